import type { DeploymentInfo, InstanceTarget } from '@aws-sdk/client-codedeploy';

export interface HookFailure {
  instance: string;
  event: string;
  errorCode?: string;
  script?: string;
  message?: string;
  logTail?: string;
}

/** The lifecycle events that failed, with CodeDeploy's diagnostics (script, error code, message, log tail). */
export function hookFailures(targets: Iterable<InstanceTarget>): HookFailure[] {
  const failures: HookFailure[] = [];
  for (const target of targets) {
    for (const event of target.lifecycleEvents ?? []) {
      if (event.status !== 'Failed') continue;
      failures.push({
        instance: target.targetId ?? '?',
        event: event.lifecycleEventName ?? '?',
        errorCode: event.diagnostics?.errorCode,
        script: event.diagnostics?.scriptName,
        message: event.diagnostics?.message,
        logTail: event.diagnostics?.logTail,
      });
    }
  }
  return failures;
}

/** `i-0abc failed at ValidateService: ScriptFailed in deploy/hooks/validate.sh — <message>` */
export function describeFailure(f: HookFailure): string {
  const where = [f.errorCode, f.script ? `in ${f.script}` : undefined].filter(Boolean).join(' ');
  return `${f.instance} failed at ${f.event}${where ? `: ${where}` : ''}${f.message ? ` — ${f.message}` : ''}`;
}

/** The failure, then the log tail indented, for the step log. */
export function failureReport(f: HookFailure): string {
  const tail = f.logTail?.trim();
  return tail ? `${describeFailure(f)}\n  log tail:\n${tail.replace(/^/gm, '    ')}` : describeFailure(f);
}

/** Why the deployment as a whole ended the way it did, with CodeDeploy's rollback if one started. */
export function deploymentOutcome(info: DeploymentInfo): string {
  const error = info.errorInformation;
  const reason = error ? ` (${error.code}: ${error.message})` : '';
  const rollback = info.rollbackInfo?.rollbackDeploymentId
    ? `; CodeDeploy is rolling back with deployment ${info.rollbackInfo.rollbackDeploymentId}`
    : '';
  return `Deployment ${info.deploymentId} ${info.status}${reason}${rollback}`;
}

/** The instances whose deployment Failed. */
export function failedInstances(targets: Iterable<InstanceTarget>): string[] {
  return [...targets].filter((t) => t.status === 'Failed').map((t) => t.targetId ?? '?');
}

/**
 * CodeDeploy counts a deployment Succeeded while its minimum healthy hosts held: under
 * CodeDeployDefault.OneAtATime that is the case when only the LAST instance failed (CodeDeploy User
 * Guide, Working with deployment configurations). It then does not roll back, and that instance is
 * left out of the load balancer. The action fails the step and says so.
 */
export function succeededWithFailures(
  info: DeploymentInfo,
  instances: string[],
  firstFailure: string,
): string {
  return (
    `Deployment ${info.deploymentId} ended Succeeded by CodeDeploy's count (${info.deploymentConfigName ?? 'its deployment configuration'} ` +
    `kept its minimum healthy hosts), but ${instances.length} instance(s) failed: ${firstFailure}. CodeDeploy ` +
    `did not roll back, so ${instances.join(', ')} ${instances.length === 1 ? 'is' : 'are'} out of the load ` +
    'balancer and the group is short of capacity. Fix the cause above and deploy again, or redeploy the ' +
    'previous revision.'
  );
}
