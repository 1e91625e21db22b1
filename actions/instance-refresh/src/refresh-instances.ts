import type { AutoScalingClient, InstanceRefresh } from '@aws-sdk/client-auto-scaling';
import { type Clock, PollAbortedError, PollTimeoutError, refText } from '../../lib/index.js';
import type { RefreshInputs } from './inputs.js';
import { startOrAttach } from './start.js';
import { verdict } from './statuses.js';
import { stopRefresh } from './stop.js';
import { watchRefresh } from './watch.js';

export interface RefreshDeps {
  autoScaling: AutoScalingClient;
  clock: Clock;
  /** Aborts when the runner cancels the step. */
  signal: AbortSignal;
  log: (line: string) => void;
}

/** One status change, for the job summary's timeline. */
export interface TimelineEntry {
  at: Date;
  status: string;
  percentage?: number;
  instancesToUpdate?: number;
  reason?: string;
}

/** What the run found out, filled in as it goes, so outputs and summary can be written even on failure. */
export interface RefreshOutcome {
  refreshId?: string;
  attached: boolean;
  status?: string;
  startTime?: Date;
  durationSeconds?: number;
  /** What on-cancel did after a timeout or the runner's cancel. */
  stopped?: string;
  timeline: TimelineEntry[];
}

export function newOutcome(): RefreshOutcome {
  return { attached: false, timeline: [] };
}

/** The refresh did not end Successful (or could not be waited for); the message says how it ended. */
export class RefreshFailedError extends Error {
  override name = 'RefreshFailedError';
}

/**
 * Starts (or attaches to) the instance refresh, waits for it and returns normally only when it ended
 * Successful. A timeout or the runner's cancel applies `on-cancel`, then fails with what happened.
 */
export async function refreshInstances(
  deps: RefreshDeps,
  inputs: RefreshInputs,
  outcome: RefreshOutcome,
): Promise<void> {
  const { autoScaling, clock, log } = deps;
  const { refreshId, attached } = await startOrAttach(autoScaling, inputs);
  outcome.refreshId = refreshId;
  outcome.attached = attached;
  const lt = inputs.launchTemplate;
  log(
    `${attached ? 'Attached to instance refresh' : 'Started instance refresh'} ${refreshId}: group ` +
      `"${inputs.group}" to launch template ${refText(lt)} version ${lt.Version}`,
  );

  let last: InstanceRefresh;
  try {
    last = await watchRefresh({
      autoScaling,
      group: inputs.group,
      refreshId,
      pollMs: inputs.pollMs,
      timeoutMs: inputs.timeoutMs,
      clock,
      signal: deps.signal,
      log,
      onLook: (refresh, atMs) => record(outcome, refresh, atMs),
    });
  } catch (error) {
    if (!(error instanceof PollTimeoutError || error instanceof PollAbortedError)) throw error;
    const stopped = await stopRefresh(autoScaling, inputs.group, refreshId, inputs.onCancel);
    outcome.stopped = stopped.action;
    if (stopped.status) record(outcome, { Status: stopped.status }, clock.now());
    outcome.durationSeconds = seconds(outcome.startTime?.getTime(), clock.now());
    const now = stopped.status ? `; it is now ${stopped.status}` : '';
    throw new RefreshFailedError(`${error.message}. The action ${stopped.action}${now}.`);
  }

  outcome.durationSeconds = seconds(last.StartTime?.getTime(), last.EndTime?.getTime() ?? clock.now());
  const result = verdict(last);
  if (result.kind === 'failed') throw new RefreshFailedError(result.message);
  log(result.kind === 'succeeded' ? result.message : `Instance refresh ${refreshId} is ${last.Status}`);
}

/** Keeps the latest status and appends a timeline entry when the status changed. */
function record(outcome: RefreshOutcome, refresh: InstanceRefresh, atMs: number): void {
  outcome.status = refresh.Status;
  outcome.startTime ??= refresh.StartTime;
  if (refresh.Status === outcome.timeline.at(-1)?.status) return;
  outcome.timeline.push({
    at: new Date(atMs),
    status: refresh.Status ?? 'Unknown',
    percentage: refresh.PercentageComplete,
    instancesToUpdate: refresh.InstancesToUpdate,
    reason: refresh.StatusReason,
  });
}

function seconds(fromMs: number | undefined, toMs: number): number | undefined {
  return fromMs === undefined ? undefined : Math.max(0, Math.round((toMs - fromMs) / 1000));
}
