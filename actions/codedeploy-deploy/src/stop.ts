import {
  type CodeDeployClient,
  DeploymentAlreadyCompletedException,
  GetDeploymentCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { describeError } from '../../lib/index.js';
import type { DeployInputs } from './inputs.js';

/**
 * The runner gives a cancelled step ~7.5 s between SIGINT and SIGTERM (and kills it 2.5 s later):
 * each call the stop makes gets at most this long, retries included.
 */
export const STOP_CALL_DEADLINE_MS = 3_000;

export interface Stopped {
  action: string;
  status?: string;
}

/**
 * `on-cancel: stop` stops the deployment this run created with autoRollbackEnabled, so CodeDeploy
 * puts the instances it already reached back on the last good revision; `none` leaves it running.
 */
export async function stopDeployment(
  codeDeploy: CodeDeployClient,
  deploymentId: string,
  onCancel: DeployInputs['onCancel'],
): Promise<Stopped> {
  if (onCancel === 'none') return { action: `left deployment ${deploymentId} running (on-cancel: none)` };
  const deadline = () => ({ abortSignal: AbortSignal.timeout(STOP_CALL_DEADLINE_MS) });
  let action: string;
  try {
    await codeDeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }), deadline());
    action =
      `stopped deployment ${deploymentId} (StopDeployment with autoRollbackEnabled): CodeDeploy rolls the ` +
      'instances it already reached back to the last good revision';
  } catch (error) {
    if (!(error instanceof DeploymentAlreadyCompletedException)) {
      return { action: `tried to stop deployment ${deploymentId} and failed: ${describeError(error)}` };
    }
    action = `found deployment ${deploymentId} already finished, so there was nothing to stop`;
  }
  try {
    const { deploymentInfo } = await codeDeploy.send(new GetDeploymentCommand({ deploymentId }), deadline());
    return { action, status: deploymentInfo?.status };
  } catch {
    return { action };
  }
}
