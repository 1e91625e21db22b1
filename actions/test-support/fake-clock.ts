import type { Clock } from '../lib/poll.js';

/** A clock whose sleeps return at once and move time forward; it records every sleep. */
export function createFakeClock(startMs = 0): Clock & { sleeps: number[] } {
  let now = startMs;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      sleeps.push(ms);
      now += ms;
    },
  };
}
