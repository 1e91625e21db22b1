/** bake-ami's inputs: the base image, the builder, the recipe, and how long and how often to wait. */
import {
  currentCommit,
  parseBaseImage,
  readInteger,
  readList,
  readListMatching,
  readMatching,
  readRegion,
  readRequired,
  readString,
  readTags,
  workspaceRoot,
} from '../../lib/index.js';
import type { BakeRequest } from './bake.js';

export type BakeInputs = BakeRequest & { region: string };

/**
 * The inputs bake-ami shares with the release (which bakes through it): where and how the builder
 * runs, what makes the recipe, the tags, and how many images to keep.
 */
export function readBuilderInputs() {
  return {
    instanceType: readMatching(
      'instance-type',
      /^[a-z][a-z0-9-]*\.[a-z0-9]+$/,
      'must be an EC2 instance type such as t3.small',
      't3.small',
    ),
    subnetId: readMatching('subnet-id', /^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id') || undefined,
    securityGroupIds: readListMatching(
      'security-group-ids',
      /^sg-[0-9a-f]{8,17}$/,
      'must list security group ids (sg-…)',
    ),
    instanceProfile: readString('instance-profile') || undefined,
    recipePaths: readList('recipe-paths'),
    workspace: workspaceRoot(),
    tags: readTags('tags'),
    keepImages: readInteger('keep-images', { fallback: 5, min: 0, max: 1000 }),
  };
}

export function readBakeInputs(): BakeInputs {
  return {
    region: readRegion(),
    base: parseBaseImage(readRequired('base-image')),
    ...readBuilderInputs(),
    provisionScript: readRequired('provision-script'),
    namePrefix: readMatching(
      'name-prefix',
      /^[a-zA-Z0-9()[\] ./'@_-]{1,80}$/,
      "must be 1–80 of a-z A-Z 0-9 ( ) [ ] . / - ' @ _ and space",
      'dealership',
    ),
    timeoutMs: readInteger('timeout-minutes', { fallback: 45, min: 1, max: 720 }) * 60_000,
    pollIntervalMs: readInteger('poll-seconds', { fallback: 15, min: 1, max: 600 }) * 1000,
    commit: currentCommit(),
  };
}
