import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { runAction } from '../../lib/action.js';
import { createClient } from '../../lib/aws.js';
import { baseImageText, parseBaseImage } from '../../lib/images.js';
import {
  readInteger,
  readList,
  readListMatching,
  readMatching,
  readRegion,
  readRequired,
  readString,
  readTags,
} from '../../lib/inputs.js';
import { formatDuration } from '../../lib/poll.js';
import { workspaceRoot } from '../../lib/recipe.js';
import { setOutputs, summaryMarkdown, writeSummary } from '../../lib/report.js';
import { currentCommit } from '../../lib/tags.js';
import { type BakeRequest, type BakeState, bake } from './bake.js';

export function readBakeInputs(): BakeRequest & { region: string } {
  return {
    region: readRegion(),
    base: parseBaseImage(readRequired('base-image')),
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
    provisionScript: readRequired('provision-script'),
    recipePaths: readList('recipe-paths'),
    workspace: workspaceRoot(),
    namePrefix: readMatching(
      'name-prefix',
      /^[a-zA-Z0-9()[\] ./'@_-]{1,80}$/,
      "must be 1–80 of a-z A-Z 0-9 ( ) [ ] . / - ' @ _ and space",
      'dealership',
    ),
    tags: readTags('tags'),
    keepImages: readInteger('keep-images', { fallback: 5, min: 0, max: 1000 }),
    timeoutMs: readInteger('timeout-minutes', { fallback: 45, min: 1, max: 720 }) * 60_000,
    pollIntervalMs: readInteger('poll-seconds', { fallback: 15, min: 1, max: 600 }) * 1000,
    commit: currentCommit(),
  };
}

export async function run(): Promise<void> {
  await runAction(async ({ signal, clock }) => {
    const state: BakeState = {};
    const started = clock.now();
    try {
      const inputs = readBakeInputs();
      const ec2 = createClient(EC2Client, { region: inputs.region });
      const ssm = createClient(SSMClient, { region: inputs.region });
      await bake({ ec2, ssm, signal, clock }, inputs, state);
      await writeSummary(
        summaryMarkdown(state.cacheHit ? 'AMI reused (cache hit)' : 'AMI baked', {
          image: `${state.imageId} (${state.imageName ?? ''})`,
          'recipe hash': state.recipeHash,
          'cache hit': state.cacheHit,
          'base image': `${state.baseImageId} (${baseImageText(inputs.base)})`,
          'recipe files': state.recipeFiles?.join(', '),
          builder: state.builderInstanceId ? `${state.builderInstanceId} (terminated)` : 'none',
          'images deregistered': state.deregistered?.join(', ') || 'none',
          'kept for launch templates': state.keptForLaunchTemplates?.join(', ') || 'none',
          duration: formatDuration(clock.now() - started),
        }),
      );
    } finally {
      setOutputs({
        'image-id': state.imageId,
        'recipe-hash': state.recipeHash,
        'cache-hit': state.cacheHit ?? false,
        'image-name': state.imageName,
        'builder-instance-id': state.builderInstanceId,
        'deregistered-images': state.deregistered?.join(','),
      });
    }
  });
}
