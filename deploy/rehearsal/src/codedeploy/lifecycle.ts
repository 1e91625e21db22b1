import type { DeploymentSpec } from './agent.js';
import type { AgentClient } from './agent-process.js';
import { LIFECYCLE_ORDER, type LifecycleEvent } from './appspec.js';

export interface DeploymentGroup {
  applicationName: string;
  deploymentGroupName: string;
  deploymentGroupId: string;
}

export interface Deployment {
  id: string;
  group: DeploymentGroup;
  /** The revision zip. */
  bundle: string;
}

/** One instance as CodeDeploy sees it: a name behind the load balancer and the agent running on it. */
export interface AgentInstance {
  name: string;
  agent: AgentClient;
}

/** The load balancer's part of a deployment (BlockTraffic and AllowTraffic). */
export interface TrafficControl {
  block(instance: string): Promise<void>;
  allow(instance: string): Promise<void>;
}

export interface EventResult {
  event: LifecycleEvent;
  status: 'Succeeded' | 'Failed' | 'Skipped';
  durationMs: number;
  error?: string;
}

export interface InstanceResult {
  instance: string;
  status: 'Succeeded' | 'Failed';
  durationMs: number;
  events: EventResult[];
}

/**
 * CodeDeploy's side of an in-place deployment on one instance: every event in order, the traffic
 * events at the load balancer, the others sent to the instance's agent (agent.ts), which skips an
 * event with no script to run. The first failure ends the instance's deployment.
 */
export async function deployToInstance(
  instance: AgentInstance,
  deployment: Deployment,
  traffic: TrafficControl,
): Promise<InstanceResult> {
  const started = Date.now();
  const spec: DeploymentSpec = {
    deploymentId: deployment.id,
    deploymentGroupId: deployment.group.deploymentGroupId,
    deploymentGroupName: deployment.group.deploymentGroupName,
    applicationName: deployment.group.applicationName,
    bundle: deployment.bundle,
  };
  const events: EventResult[] = [];
  for (const event of LIFECYCLE_ORDER) {
    const eventStarted = Date.now();
    try {
      let status: EventResult['status'] = 'Succeeded';
      if (event === 'BlockTraffic') await traffic.block(instance.name);
      else if (event === 'AllowTraffic') await traffic.allow(instance.name);
      else status = await instance.agent.run(event, spec);
      events.push({ event, status, durationMs: Date.now() - eventStarted });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      events.push({ event, status: 'Failed', durationMs: Date.now() - eventStarted, error: message });
      return { instance: instance.name, status: 'Failed', durationMs: Date.now() - started, events };
    }
  }
  return { instance: instance.name, status: 'Succeeded', durationMs: Date.now() - started, events };
}
