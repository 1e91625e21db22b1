import {
  type AutoScalingClient,
  DescribeInstanceRefreshesCommand,
  type InstanceRefresh,
} from '@aws-sdk/client-auto-scaling';
import { type Clock, done, formatDuration, pending, poll, withinGap } from '../../lib/index.js';
import { verdict } from './statuses.js';

/** A progress line with no change in between is repeated at least this often, so the log shows life. */
export const HEARTBEAT_MS = 60_000;

export interface WatchOptions {
  autoScaling: AutoScalingClient;
  group: string;
  refreshId: string;
  pollMs: number;
  timeoutMs: number;
  clock: Clock;
  signal: AbortSignal;
  log: (line: string) => void;
  /** Receives the refresh every time it is looked at (the caller keeps the timeline). */
  onLook: (refresh: InstanceRefresh, atMs: number) => void;
}

export async function describeRefresh(
  autoScaling: AutoScalingClient,
  group: string,
  refreshId: string,
  abortSignal?: AbortSignal,
): Promise<InstanceRefresh> {
  const { InstanceRefreshes = [] } = await autoScaling.send(
    new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: group, InstanceRefreshIds: [refreshId] }),
    { abortSignal },
  );
  const refresh = InstanceRefreshes[0];
  if (!refresh) throw new Error(`Instance refresh ${refreshId} of group "${group}" is no longer listed`);
  return refresh;
}

/** `InProgress 50%, 2 to update — Waiting for instances to warm up` */
export function describeProgress(refresh: InstanceRefresh): string {
  const parts = [`${refresh.Status ?? 'Unknown'} ${refresh.PercentageComplete ?? 0}%`];
  if (refresh.InstancesToUpdate !== undefined) parts.push(`${refresh.InstancesToUpdate} to update`);
  const rollback = refresh.RollbackDetails;
  if (rollback?.PercentageCompleteOnRollback !== undefined && refresh.Status?.startsWith('Rollback')) {
    parts.push(`rollback ${rollback.PercentageCompleteOnRollback}%`);
  }
  const line = parts.join(', ');
  return refresh.StatusReason ? `${line} — ${refresh.StatusReason}` : line;
}

/**
 * Polls the refresh until it reaches a terminal status and returns it as last seen. Prints one line
 * per change (status, percentage, instances to update, reason) and a heartbeat when nothing changes.
 * Throws the poller's PollTimeoutError / PollAbortedError when time runs out or the runner cancels.
 */
export async function watchRefresh(options: WatchOptions): Promise<InstanceRefresh> {
  const { autoScaling, group, refreshId, clock, log } = options;
  const started = clock.now();
  let lastLine = '';
  let lastPrinted = started;
  return poll({
    what: `instance refresh ${refreshId}`,
    ...withinGap(options.pollMs),
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    clock,
    check: async () => {
      const refresh = await describeRefresh(autoScaling, group, refreshId, options.signal);
      const line = describeProgress(refresh);
      const now = clock.now();
      if (line !== lastLine || now - lastPrinted >= HEARTBEAT_MS) {
        log(`[${formatDuration(now - started)}] ${line}${line === lastLine ? ' (no change)' : ''}`);
        lastPrinted = now;
      }
      options.onLook(refresh, now);
      lastLine = line;
      return verdict(refresh).kind === 'waiting' ? pending(line) : done(refresh);
    },
  });
}
