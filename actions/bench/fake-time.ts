import { setImmediate as realSetImmediate } from 'node:timers';
import FakeTimers from '@sinonjs/fake-timers';

/**
 * Runs `body` with setTimeout and Date faked, advancing time only when the program is idle: every
 * waiter (ours through the poller's system clock, the SDK's through its own setTimeout) sleeps for
 * real in its own code, just without the wall-clock wait. Returns what `body` resolves to.
 */
export async function inFakeTime<T>(startMs: number, body: () => Promise<T>): Promise<T> {
  const clock = FakeTimers.install({ now: startMs, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  try {
    let settled = false;
    const result = body().finally(() => {
      settled = true;
    });
    result.catch(() => {});
    while (!settled) {
      // Let promises and any real I/O finish before moving time to the next timer.
      for (let i = 0; i < 5 && !settled; i++) await new Promise((resolve) => realSetImmediate(resolve));
      if (!settled) clock.next();
    }
    return await result;
  } finally {
    clock.uninstall();
  }
}
