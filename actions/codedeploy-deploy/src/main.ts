import { createAwsClients, progress, runAction, setOutputs, writeSummary } from '../../lib/index.js';
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
      const { codeDeploy, s3 } = createAwsClients({ region: inputs.region });
      await deploy({ codeDeploy, s3, clock, signal, log: progress }, inputs, outcome);
    } finally {
      setOutputs({
        'deployment-id': outcome.deploymentId,
        status: outcome.status,
        revision: outcome.revision,
      });
      if (inputs) await writeSummary(deploySummary(inputs, outcome));
    }
  });
}
