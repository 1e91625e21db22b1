import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CodeDeployClient, waitUntilDeploymentSuccessful } from '@aws-sdk/client-codedeploy';
import { createWaiter, WaiterState } from '@smithy/core/client';
import { watchDeployment } from '../codedeploy-deploy/src/watch.js';
import { describeRefresh, watchRefresh } from '../instance-refresh/src/watch.js';
import { systemClock } from '../lib/index.js';
import {
  AutoScalingSim,
  CodeDeploySim,
  LIFECYCLE_ORDER,
  type SimCall,
  simulatedClient,
} from '../sim/index.js';
import { inFakeTime } from './fake-time.js';

/** One waited-for operation: how late the waiter noticed the end, and how often it called AWS. */
export interface Sample {
  latencyMs: number;
  callsPerMinute: number;
}

/** The baseline: the SDK's exponential waiter, backing off from 15 s to 600 s, as the ECS deploy action configures it. */
export const BASELINE = { minDelay: 15, maxDelay: 600 } as const;
const START = Date.UTC(2026, 0, 15, 9);

function sample(calls: SimCall[], endedAt: number, startedAt: number): Sample {
  const seen = calls.at(-1)!.at;
  return { latencyMs: seen - endedAt, callsPerMinute: calls.length / ((seen - startedAt) / 60_000) };
}

/** A refresh that ends Successful after `seconds`, watched by the action's poller or by the baseline waiter. */
export async function refreshSample(seconds: number, waiter: 'action' | 'baseline'): Promise<Sample> {
  return inFakeTime(START, async () => {
    const sim = new AutoScalingSim(() => Date.now());
    const client = simulatedClient(AutoScalingClient, sim);
    const refreshId = sim.seedRefresh(
      'dealership-web',
      { DesiredConfiguration: { LaunchTemplate: { LaunchTemplateName: 'dealership', Version: '7' } } },
      {
        steps: [
          { afterSeconds: 0, status: 'InProgress' },
          { afterSeconds: seconds, status: 'Successful' },
        ],
      },
      0,
    );
    if (waiter === 'action') {
      await watchRefresh({
        autoScaling: client,
        group: 'dealership-web',
        refreshId,
        pollMs: 15_000,
        timeoutMs: 4 * 3_600_000,
        clock: systemClock,
        signal: new AbortController().signal,
        log: () => {},
        onLook: () => {},
      });
    } else {
      await createWaiter({ client, maxWaitTime: 4 * 3600, ...BASELINE }, undefined, async () => {
        const refresh = await describeRefresh(client, 'dealership-web', refreshId);
        return { state: refresh.Status === 'Successful' ? WaiterState.SUCCESS : WaiterState.RETRY };
      });
    }
    return sample(sim.ledger.calls, START + seconds * 1000, START);
  });
}

/** A two-instance deployment with `eventSeconds` per lifecycle event, followed by the action or the SDK waiter. */
export async function deploymentSample(eventSeconds: number, waiter: 'action' | 'baseline'): Promise<Sample> {
  return inFakeTime(START, async () => {
    const sim = new CodeDeploySim(() => Date.now());
    const client = simulatedClient(CodeDeployClient, sim);
    const id = sim.seedDeployment('dealership', 'dealership-web', { queueSeconds: 0, eventSeconds }, 0);
    if (waiter === 'action') {
      await watchDeployment(
        {
          codeDeploy: client,
          clock: systemClock,
          signal: new AbortController().signal,
          log: () => {},
          pollMs: 10_000,
          deadline: Date.now() + 4 * 3_600_000,
        },
        id,
      );
    } else {
      await waitUntilDeploymentSuccessful(
        { client, maxWaitTime: 4 * 3600, ...BASELINE },
        { deploymentId: id },
      );
    }
    const endedAt = START + 2 * LIFECYCLE_ORDER.length * eventSeconds * 1000;
    return sample(sim.ledger.calls, endedAt, START);
  });
}
