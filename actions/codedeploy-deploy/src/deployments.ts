import {
  type CodeDeployClient,
  CreateDeploymentCommand,
  DeploymentLimitExceededException,
  type DeploymentStatus,
  GetDeploymentCommand,
  ListDeploymentsCommand,
} from '@aws-sdk/client-codedeploy';
import { type Clock, done, pending, poll } from '../../lib/index.js';
import type { DeployInputs } from './inputs.js';
import { revisionLocation, type S3Revision } from './revision.js';

/** Statuses of a deployment that still holds its deployment group. */
export const ACTIVE_STATUSES: DeploymentStatus[] = ['Created', 'Queued', 'InProgress', 'Ready'];

export interface WaitContext {
  codeDeploy: CodeDeployClient;
  clock: Clock;
  signal: AbortSignal;
  log: (line: string) => void;
  pollMs: number;
  /** Absolute time (clock ms) after which the action gives up. */
  deadline: number;
}

/** The active deployments of the group, newest first. */
export async function activeDeployments(
  codeDeploy: CodeDeployClient,
  application: string,
  group: string,
  abortSignal?: AbortSignal,
) {
  const { deployments = [] } = await codeDeploy.send(
    new ListDeploymentsCommand({
      applicationName: application,
      deploymentGroupName: group,
      includeOnlyStatuses: ACTIVE_STATUSES,
    }),
    { abortSignal },
  );
  return deployments;
}

/**
 * Waits until no other deployment is active in the group (CodeDeploy allows one at a time), then
 * creates ours. A deployment that slips in between is waited for too. Never stops somebody else's.
 */
export async function createWhenGroupIsFree(
  context: WaitContext,
  inputs: DeployInputs,
  revision: S3Revision,
): Promise<string> {
  const { codeDeploy, log, clock } = context;
  for (;;) {
    await waitForGroup(context, inputs);
    try {
      const { deploymentId } = await codeDeploy.send(
        new CreateDeploymentCommand({
          applicationName: inputs.application,
          deploymentGroupName: inputs.group,
          revision: revisionLocation(revision),
          deploymentConfigName: inputs.deploymentConfig,
          description: inputs.description || undefined,
          fileExistsBehavior: inputs.fileExistsBehavior,
          autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
        }),
      );
      return deploymentId!;
    } catch (error) {
      if (!(error instanceof DeploymentLimitExceededException) || clock.now() >= context.deadline)
        throw error;
      log(`Another deployment started in "${inputs.group}" first (${error.message}); waiting for it too.`);
      // ListDeployments may not show that deployment yet: one poll's pause before looking again, so a
      // refusal that outlives the look never becomes a loop of CreateDeployment calls.
      await clock.sleep(
        Math.min(context.pollMs, Math.max(0, context.deadline - clock.now())),
        context.signal,
      );
    }
  }
}

async function waitForGroup(context: WaitContext, inputs: DeployInputs): Promise<void> {
  const { codeDeploy, clock, log } = context;
  let announced = '';
  await poll({
    what: `the other deployment in deployment group "${inputs.group}" to finish`,
    intervalMs: context.pollMs,
    timeoutMs: Math.max(0, context.deadline - clock.now()),
    signal: context.signal,
    clock,
    check: async () => {
      const [active] = await activeDeployments(codeDeploy, inputs.application, inputs.group, context.signal);
      if (!active) return done(undefined);
      if (active !== announced) {
        const { deploymentInfo: info } = await codeDeploy.send(
          new GetDeploymentCommand({ deploymentId: active }),
          { abortSignal: context.signal },
        );
        log(
          `Deployment group "${inputs.group}" is busy with deployment ${active} (${info?.status}, created ` +
            `${info?.createTime?.toISOString() ?? '?'} by ${info?.creator ?? '?'}); waiting for it to finish first.`,
        );
        announced = active;
      }
      return pending(`${active} is active`);
    },
  });
}
