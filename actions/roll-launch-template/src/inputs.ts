/** roll-launch-template's inputs: which template, which image, and which version to copy. */
import {
  currentCommit,
  launchTemplateRef,
  readBoolean,
  readImageId,
  readRegion,
  readRequired,
  readString,
  readVersionSpec,
} from '../../lib/index.js';

export function readRollInputs() {
  const imageId = readImageId('image-id');
  return {
    region: readRegion(),
    template: launchTemplateRef(readRequired('launch-template')),
    imageId,
    sourceVersion: readVersionSpec(readString('source-version', '$Default'), 'source-version'),
    setDefault: readBoolean('set-default', true),
    description: readString('description', `${imageId} from ${currentCommit().slice(0, 12)}`),
  };
}

export type RollInputs = ReturnType<typeof readRollInputs>;
