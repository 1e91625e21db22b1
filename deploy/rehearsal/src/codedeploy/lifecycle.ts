import { LIFECYCLE_ORDER, type LifecycleEvent } from '@dealership/revision';
import type { DeploymentSpec } from './agent.js';
import type { AgentClient } from './agent-process.js';

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

/*
 * The events of the deployments CodeDeploy runs for an Auto Scaling group (CodeDeploy User Guide,
 * "AppSpec 'hooks' section", Lifecycle event hook availability: the Auto Scaling launch deployment and
 * Auto Scaling termination deployment columns; integrations-aws-auto-scaling, "How Amazon EC2 Auto
 * Scaling works with CodeDeploy"). A launched instance gets the last successful revision installed,
 * and traffic allowed, while it waits in Pending:Wait; a terminating one (TerminationHookEnabled) has
 * its traffic blocked and the last successful revision's ApplicationStop run in Terminating:Wait.
 */
export const LAUNCH_EVENTS: readonly LifecycleEvent[] = LIFECYCLE_ORDER.filter(
  (event) => !['BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic'].includes(event),
);
export const TERMINATION_EVENTS: readonly LifecycleEvent[] = [
  'BeforeBlockTraffic',
  'BlockTraffic',
  'AfterBlockTraffic',
  'ApplicationStop',
];

/**
 * CodeDeploy's side of a deployment on one instance: its events in order (an in-place deployment's by
 * default: CodeDeploy User Guide, "AppSpec 'hooks' section", "Run order of hooks in an EC2/On-Premises
 * deployment" — LIFECYCLE_ORDER in @dealership/revision), the traffic events at the load balancer
 * (BlockTraffic and AllowTraffic are CodeDeploy's own operations, not scriptable: same page, the list of
 * lifecycle event hooks), the others sent to the instance's agent (agent.ts), which skips an event with
 * no script to run. The first failure ends the instance's deployment: the agent completes the failed
 * command as Failed with its ScriptError (command_poller.rb `perform`) and CodeDeploy sends no later event
 * to that instance (CodeDeploy API Reference, LifecycleEvent: the later events' status is Skipped; the
 * twin leaves them out of the report).
 */
export async function deployToInstance(
  instance: AgentInstance,
  deployment: Deployment,
  traffic: TrafficControl,
  lifecycleEvents: readonly LifecycleEvent[] = LIFECYCLE_ORDER,
): Promise<InstanceResult> {
  const started = performance.now();
  const spec: DeploymentSpec = {
    deploymentId: deployment.id,
    deploymentGroupId: deployment.group.deploymentGroupId,
    deploymentGroupName: deployment.group.deploymentGroupName,
    applicationName: deployment.group.applicationName,
    bundle: deployment.bundle,
  };
  const events: EventResult[] = [];
  for (const event of lifecycleEvents) {
    const eventStarted = performance.now();
    try {
      let status: EventResult['status'] = 'Succeeded';
      if (event === 'BlockTraffic') await traffic.block(instance.name);
      else if (event === 'AllowTraffic') await traffic.allow(instance.name);
      else status = await instance.agent.run(event, spec);
      events.push({ event, status, durationMs: performance.now() - eventStarted });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      events.push({ event, status: 'Failed', durationMs: performance.now() - eventStarted, error: message });
      return { instance: instance.name, status: 'Failed', durationMs: performance.now() - started, events };
    }
  }
  return { instance: instance.name, status: 'Succeeded', durationMs: performance.now() - started, events };
}
