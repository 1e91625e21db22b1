import type { Clock } from '../lib/poll.js';

/**
 * The fake clock of every test and of the simulation: time only moves when somebody sleeps on it (the
 * poller does) or a test advances it; every sleep is recorded in `sleeps`. Callbacks scheduled with `at()` fire when time passes them, in order, so a test can
 * say "the runner cancels at t = 95 s" and the poller's sleep is interrupted exactly there.
 */
export class FakeClock implements Clock {
  #now: number;
  #timers: Array<{ at: number; fire: () => void }> = [];
  /** The length of every sleep asked for, in order. */
  readonly sleeps: number[] = [];

  constructor(startMs = Date.UTC(2026, 0, 15, 9, 0, 0)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  /** Runs `fire` once the clock reaches `atMs` (absolute epoch milliseconds). */
  at(atMs: number, fire: () => void): void {
    this.#timers.push({ at: atMs, fire });
    this.#timers.sort((a, b) => a.at - b.at);
  }

  /** Runs `fire` `ms` milliseconds from now. */
  after(ms: number, fire: () => void): void {
    this.at(this.#now + ms, fire);
  }

  /** Moves time forward, firing due callbacks; stops early when `signal` aborts. */
  advance(ms: number, signal?: AbortSignal): void {
    const target = this.#now + ms;
    while (!signal?.aborted) {
      const next = this.#timers[0];
      if (!next || next.at > target) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.fire();
    }
    if (!signal?.aborted) this.#now = target;
  }

  /**
   * A sleep that takes no real time: it yields to other promises once, then advances the clock. Like
   * the poller's system clock it rejects with `signal.reason` when the signal aborts, even half-way.
   */
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (!signal?.aborted) this.sleeps.push(ms);
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (!signal?.aborted) this.advance(ms, signal);
    if (signal?.aborted) throw signal.reason;
  }
}
