/**
 * The one poller every action waits with. Time comes from an injectable {@link Clock}, so the
 * simulation's fake clock (and unit tests) drive it without real sleeps.
 */

/** Where time comes from: `now()` in milliseconds and an abortable `sleep()`. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with `signal.reason` as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Wall-clock time and real timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** What one `check` found: finished with a value, or still waiting (with a status for the progress line). */
export type PollStep<T> = { done: true; value: T } | { done: false; status: string };

/** The check is finished; `poll` returns `value`. */
export const done = <T>(value: T): PollStep<T> => ({ done: true, value });
/** Not there yet; `status` is what the progress line shows. */
export const pending = <T = never>(status: string): PollStep<T> => ({ done: false, status });

export interface PollTick {
  attempt: number;
  elapsedMs: number;
  status: string;
}

export interface PollOptions<T> {
  /** What is being waited for, for messages: "builder i-0abc to stop". */
  what: string;
  /** One look. Throw to stop waiting with that error (a terminal failure state). */
  check: (attempt: number) => Promise<PollStep<T>>;
  intervalMs: number;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Spread each interval by up to ± this fraction (0..1), so many waiters do not call in step. Default 0.1. */
  jitter?: number;
  /** Called after every check that is not done. */
  onTick?: (tick: PollTick) => void;
  clock?: Clock;
  /** Random source in [0, 1) for jitter; injectable for tests. */
  random?: () => number;
}

/** The timing part of {@link PollOptions}, for helpers that supply `what` and `check` themselves. */
export type WaitOptions = Omit<PollOptions<unknown>, 'what' | 'check'>;

/** The wait ran out of time. `lastStatus` is what the last check reported. */
export class PollTimeoutError extends Error {
  override name = 'PollTimeoutError';
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly lastStatus: string,
  ) {
    super(`Timed out after ${formatDuration(timeoutMs)} waiting for ${what} (last status: ${lastStatus})`);
  }
}

/** The wait was cancelled through its AbortSignal (the runner cancelled the job). */
export class PollAbortedError extends Error {
  override name = 'PollAbortedError';
  constructor(
    readonly what: string,
    readonly reason: unknown,
  ) {
    super(`Stopped waiting for ${what}: ${reason instanceof Error ? reason.message : String(reason)}`);
  }
}

/**
 * Calls `check` until it reports done, then returns its value. Throws {@link PollTimeoutError} when
 * `timeoutMs` passes, {@link PollAbortedError} when `signal` aborts, or whatever `check` throws.
 */
export async function poll<T>(options: PollOptions<T>): Promise<T> {
  const { what, check, intervalMs, timeoutMs, signal, onTick } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const jitter = Math.min(Math.max(options.jitter ?? 0.1, 0), 1);
  const started = clock.now();
  let lastStatus = 'not checked yet';

  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw new PollAbortedError(what, signal.reason);
    let step: PollStep<T>;
    try {
      step = await check(attempt);
    } catch (error) {
      // A check whose request was aborted by the same signal (the runner cancelled) is a cancel.
      if (signal?.aborted) throw new PollAbortedError(what, signal.reason);
      throw error;
    }
    if (step.done) return step.value;
    lastStatus = step.status;

    const elapsedMs = clock.now() - started;
    onTick?.({ attempt, elapsedMs, status: step.status });
    const remainingMs = timeoutMs - elapsedMs;
    if (remainingMs <= 0) throw new PollTimeoutError(what, timeoutMs, lastStatus);

    const spread = intervalMs * jitter * (2 * random() - 1);
    const waitMs = Math.max(0, Math.min(intervalMs + spread, remainingMs));
    try {
      await clock.sleep(waitMs, signal);
    } catch (error) {
      if (signal?.aborted) throw new PollAbortedError(what, signal.reason);
      throw error;
    }
  }
}

/**
 * Interval and jitter for a `poll-seconds` input read as "the longest gap between two looks": the
 * interval is shortened so that even the longest jittered gap stays within `maxGapMs`.
 */
export function withinGap(maxGapMs: number, jitter = 0.05): { intervalMs: number; jitter: number } {
  return { intervalMs: maxGapMs / (1 + jitter), jitter };
}

/** `95_000` → `1m35s`; `3_600_000` → `1h00m00s`; under a minute → `42s`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (hours > 0) return `${hours}h${pad(minutes)}m${pad(seconds)}s`;
  if (minutes > 0) return `${minutes}m${pad(seconds)}s`;
  return `${seconds}s`;
}
