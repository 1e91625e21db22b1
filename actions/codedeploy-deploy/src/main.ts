import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { S3Client } from '@aws-sdk/client-s3';
import {
  createClient,
  progress,
  runAction,
  s3ClientConfig,
  setOutputs,
  writeSummary,
} from '../../lib/index.js';
import { deploy, newOutcome } from './deploy.js';
import { type DeployInputs, readDeployInputs } from './inputs.js';
import { deploySummary } from './summary.js';

/** Reads the inputs, runs the deployment, and always sets the outputs and writes the summary. */
export async function run(): Promise<void> {
  await runAction(async ({ signal, clock }) => {
    const outcome = newOutcome();
    let inputs: DeployInputs | undefined;
    try {
      inputs = readDeployInputs();
      const codeDeploy = createClient(CodeDeployClient, { region: inputs.region });
      const s3 = createClient(S3Client, { region: inputs.region }, s3ClientConfig({ region: inputs.region }));
      await deploy({ codeDeploy, s3, clock, signal, log: progress }, inputs, outcome);
    } finally {
      setOutputs({
        'deployment-id': outcome.deploymentId,
        status: outcome.status,
        revision: outcome.revision,
        'failed-instances': outcome.failedInstances?.join(','),
      });
      if (inputs) await writeSummary(deploySummary(inputs, outcome));
    }
  });
}
