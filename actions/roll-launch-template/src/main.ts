import { EC2Client } from '@aws-sdk/client-ec2';
import { runAction } from '../../lib/action.js';
import { createClient } from '../../lib/aws.js';
import { readImageId } from '../../lib/images.js';
import { readBoolean, readRegion, readRequired, readString } from '../../lib/inputs.js';
import { launchTemplateRef, readVersionSpec } from '../../lib/launch-templates.js';
import { progress, setOutputs, summaryMarkdown, writeSummary } from '../../lib/report.js';
import { currentCommit } from '../../lib/tags.js';
import { type RollResult, rollLaunchTemplate } from './roll.js';

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

export async function run(): Promise<void> {
  await runAction(async () => {
    let result: RollResult | undefined;
    try {
      const inputs = readRollInputs();
      const ec2 = createClient(EC2Client, { region: inputs.region });
      result = await rollLaunchTemplate(ec2, inputs);
      progress(
        result.created
          ? `Created version ${result.version} of ${result.templateId} with ${inputs.imageId} (from version ${result.sourceVersion}).`
          : `Version ${result.version} of ${result.templateId} already launches ${inputs.imageId}; nothing created.`,
      );
      await writeSummary(
        summaryMarkdown('Launch template rolled', {
          'launch template': `${result.templateName} (${result.templateId})`,
          image: inputs.imageId,
          'source version': `${result.sourceVersion} (${result.sourceImageId ?? 'no image'})`,
          version: result.version,
          created: result.created,
          'previous version': result.previousVersion,
          'default version': result.defaultVersion,
        }),
      );
    } finally {
      setOutputs({
        version: result?.version,
        'previous-version': result?.previousVersion,
        created: result?.created ?? false,
        'launch-template-id': result?.templateId,
        'default-version': result?.defaultVersion,
      });
    }
  });
}
