/**
 * The smoke test through the load balancer: /health/ready answers 200 and /version serves the commit
 * on SMOKE_CONSECUTIVE looks in a row (so every instance behind the ALB is sampled), AND every target
 * group counts as many healthy targets as the group's desired capacity — a deployment that left one
 * instance failed (CodeDeploy OneAtATime can report Succeeded with the last instance failed) shows
 * here as fewer healthy targets than desired.
 */
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';
import {
  type ElasticLoadBalancingV2Client,
  HealthUnavailableException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { type Clock, done, pending, poll } from '../../lib/index.js';
import { SMOKE_INTERVAL_MS } from './budget.js';
import { healthyTargets, readGroup } from './state.js';

export const SMOKE_CONSECUTIVE = 10;
const REQUEST_TIMEOUT_MS = 5_000;

export interface SmokeDeps {
  autoScaling: AutoScalingClient;
  ec2: EC2Client;
  elbv2: ElasticLoadBalancingV2Client;
  clock: Clock;
  signal: AbortSignal;
  log: (line: string) => void;
  fetch: typeof fetch;
}

export interface SmokeRequest {
  url: string;
  group: string;
  commit: string;
  timeoutMs: number;
}

async function look(deps: SmokeDeps, url: string, commit: string): Promise<string | undefined> {
  const signal = AbortSignal.any([deps.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]);
  try {
    const ready = await deps.fetch(`${url}/health/ready`, { signal });
    if (ready.status !== 200) return `/health/ready answered ${ready.status}`;
    const version = await deps.fetch(`${url}/version`, { signal });
    if (version.status !== 200) return `/version answered ${version.status}`;
    const served = ((await version.json()) as { commit?: string }).commit;
    return served === commit ? undefined : `/version serves ${served ?? 'no commit'} (waiting for ${commit})`;
  } catch (error) {
    if (deps.signal.aborted) throw error;
    return `no answer: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Passes or throws with the last thing it saw. */
export async function smokeTest(deps: SmokeDeps, request: SmokeRequest): Promise<string> {
  const url = request.url.replace(/\/+$/, '');
  let streak = 0;
  return poll({
    what: `${url} to serve ${request.commit.slice(0, 12)} with every instance healthy`,
    intervalMs: SMOKE_INTERVAL_MS,
    jitter: 0,
    timeoutMs: request.timeoutMs,
    signal: deps.signal,
    clock: deps.clock,
    check: async (attempt) => {
      const problem = await look(deps, url, request.commit);
      streak = problem ? 0 : streak + 1;
      const group = await readGroup(deps.autoScaling, deps.ec2, request.group, deps.signal, false);
      const counts: string[] = [];
      let short = '';
      for (const arn of group.targetGroupArns) {
        // HealthUnavailable: "the health of the specified targets could not be retrieved due to an
        // internal error" (ELB API reference, DescribeTargetHealth) — a look that saw nothing, not a failure.
        const seen = await healthyTargets(deps.elbv2, arn, deps.signal).catch((error: unknown) => {
          if (error instanceof HealthUnavailableException) return undefined;
          throw error;
        });
        if (!seen) {
          short = 'target health unavailable (HealthUnavailable); looking again';
          continue;
        }
        const { healthy, others } = seen;
        const mine = healthy.filter((id) => group.instances.some((i) => i.id === id));
        counts.push(`${mine.length}/${group.desired} healthy`);
        if (mine.length !== group.desired)
          short = `${mine.length} healthy target(s) for a desired capacity of ${group.desired}${others.length ? `; ${others.join(', ')}` : ''}`;
      }
      const line = `smoke ${attempt}: ${problem ?? `commit ${request.commit.slice(0, 12)}`} (${streak}/${SMOKE_CONSECUTIVE} in a row), ${counts.join(', ') || 'no target group'}`;
      deps.log(line);
      if (streak >= SMOKE_CONSECUTIVE && short === '')
        return done(
          `${url} served ${request.commit.slice(0, 12)} ${streak} times in a row; ${counts.join(', ')}`,
        );
      return pending(short || problem || line);
    },
  });
}
