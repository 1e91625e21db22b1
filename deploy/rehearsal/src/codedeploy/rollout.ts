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

/** A CodeDeploy-shaped deployment id: d- and nine capitals or digits. */
export function newDeploymentId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return `d-${Array.from({ length: 9 }, () => alphabet[randomInt(alphabet.length)]).join('')}`;
}

/**
 * CodeDeployDefault.OneAtATime: the revision goes to each instance in turn, and the first failure stops
 * the deployment. With a last good revision, the failure triggers an automatic rollback: that revision
 * is deployed again to every instance the failed deployment touched, the failed one first (it is
 * already out of the load balancer, so capacity is never lowered twice).
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
