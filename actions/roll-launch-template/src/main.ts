import { EC2Client } from '@aws-sdk/client-ec2';
import { createClient, progress, runAction, setOutputs, writeSummary } from '../../lib/index.js';
import { readRollInputs } from './inputs.js';
import { type RollResult, rollLaunchTemplate } from './roll.js';
import { rollProgress, rollSummary } from './summary.js';

/** Reads the inputs, rolls the template, and always sets the outputs. */
export async function run(): Promise<void> {
  await runAction(async () => {
    let result: RollResult | undefined;
    try {
      const inputs = readRollInputs();
      const ec2 = createClient(EC2Client, { region: inputs.region });
      result = await rollLaunchTemplate(ec2, inputs);
      progress(rollProgress(inputs, result));
      await writeSummary(rollSummary(inputs, result));
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
