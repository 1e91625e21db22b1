import { randomInt } from 'node:crypto';
import {
  type AgentInstance,
  type DeploymentGroup,
  deployToInstance,
  type InstanceResult,
  type TrafficControl,
} from './lifecycle.js';

export interface DeploymentReport {
  id: string;
  bundle: string;
  status: 'Succeeded' | 'Failed';
  durationMs: number;
  instances: InstanceResult[];
  /** The automatic rollback a failed deployment started, redeploying the last good revision. */
  rollback?: DeploymentReport;
}

/** A CodeDeploy-shaped deployment id: d- and nine capitals or digits (CodeDeploy API Reference,
 * DeploymentInfo `deploymentId`, e.g. "d-A1B2C3D4E"). */
export function newDeploymentId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return `d-${Array.from({ length: 9 }, () => alphabet[randomInt(alphabet.length)]).join('')}`;
}

/**
 * CodeDeployDefault.OneAtATime: the revision goes to each instance in turn, and the first failure stops
 * the deployment (CodeDeploy API Reference, MinimumHealthyHosts: OneAtATime is "a deployment to only
 * one instance at a time"). One difference, on purpose: the same page says that under OneAtATime a
 * failure on the LAST instance leaves the deployment successful; the simulation imitates that
 * (actions/sim/codedeploy.ts) and the action fails on any failed target, while the rehearsal reports
 * the verdict the action reaches — any failed instance is a Failed deployment. With a last good
 * revision, the failure triggers an automatic rollback (CodeDeploy User Guide, "Redeploy and roll back
 * a deployment with CodeDeploy", automatic rollbacks: the last known good revision is deployed again as
 * a new deployment, with a new deployment id): to every instance the failed deployment touched, the
 * failed one first (it is already out of the load balancer, so capacity is never lowered twice — that
 * order is the rehearsal's choice; AWS documents none).
 */
export async function deployRevision(options: {
  instances: readonly AgentInstance[];
  bundle: string;
  group: DeploymentGroup;
  traffic: TrafficControl;
  lastGoodBundle?: string;
  onInstance?: (result: InstanceResult) => void;
}): Promise<DeploymentReport> {
  const id = newDeploymentId();
  const started = performance.now();
  const results: InstanceResult[] = [];
  for (const instance of options.instances) {
    const result = await deployToInstance(
      instance,
      { id, group: options.group, bundle: options.bundle },
      options.traffic,
    );
    results.push(result);
    options.onInstance?.(result);
    if (result.status === 'Failed') break;
  }
  const failed = results.some((result) => result.status === 'Failed');
  const report: DeploymentReport = {
    id,
    bundle: options.bundle,
    status: failed ? 'Failed' : 'Succeeded',
    durationMs: performance.now() - started,
    instances: results,
  };
  if (failed && options.lastGoodBundle !== undefined) {
    const touched = results.map(
      (result) => options.instances.find((instance) => instance.name === result.instance)!,
    );
    report.rollback = await deployRevision({
      ...options,
      instances: [touched.at(-1)!, ...touched.slice(0, -1).reverse()],
      bundle: options.lastGoodBundle,
      lastGoodBundle: undefined,
    });
  }
  return report;
}
