import { describe, expect, it } from 'vitest';
import { FakeClock } from '../sim/clock.js';
import {
  done,
  formatDuration,
  PollAbortedError,
  PollTimeoutError,
  pending,
  poll,
  withinGap,
} from './poll.js';

describe('poll', () => {
  it('returns the value of the first check that is done', async () => {
    const clock = new FakeClock();
    const statuses = ['pending', 'pending', 'stopped'];
    const ticks: string[] = [];
    const value = await poll({
      what: 'builder to stop',
      check: async (attempt) =>
        statuses[attempt - 1] === 'stopped' ? done('stopped') : pending(statuses[attempt - 1]!),
      intervalMs: 10_000,
      timeoutMs: 60_000,
      jitter: 0,
      clock,
      onTick: (tick) => ticks.push(`${tick.attempt}:${tick.elapsedMs}:${tick.status}`),
    });
    expect(value).toBe('stopped');
    expect(clock.sleeps).toEqual([10_000, 10_000]);
    expect(ticks).toEqual(['1:0:pending', '2:10000:pending']);
  });

  it('throws a timeout error naming what it waited for and the last status', async () => {
    const clock = new FakeClock();
    const waiting = poll({
      what: 'image ami-1 to become available',
      check: async () => pending('pending'),
      intervalMs: 15_000,
      timeoutMs: 40_000,
      jitter: 0,
      clock,
    });
    await expect(waiting).rejects.toThrow(PollTimeoutError);
    await expect(waiting).rejects.toThrow(
      'Timed out after 40s waiting for image ami-1 to become available (last status: pending)',
    );
    // The last sleep is cut to the deadline, so the final check happens exactly at the timeout.
    expect(clock.sleeps).toEqual([15_000, 15_000, 10_000]);
  });

  it('spreads intervals by the jitter fraction', async () => {
    const clock = new FakeClock();
    const randoms = [0, 1];
    let calls = 0;
    await poll({
      what: 'x',
      check: async () => (++calls === 3 ? done(true) : pending('waiting')),
      intervalMs: 1000,
      timeoutMs: 60_000,
      jitter: 0.2,
      random: () => randoms.shift()!,
      clock,
    });
    expect(clock.sleeps).toEqual([800, 1200]);
  });

  it('stops with an abort error when the signal aborts before a check', async () => {
    const controller = new AbortController();
    const clock = new FakeClock();
    let checks = 0;
    const waiting = poll({
      what: 'refresh',
      check: async () => {
        checks++;
        controller.abort(new Error('cancelled by the runner'));
        return pending('InProgress');
      },
      intervalMs: 1000,
      timeoutMs: 60_000,
      signal: controller.signal,
      clock,
    });
    await expect(waiting).rejects.toThrow(PollAbortedError);
    await expect(waiting).rejects.toThrow('Stopped waiting for refresh: cancelled by the runner');
    expect(checks).toBe(1);
  });

  it('interrupts a real sleep as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('SIGTERM')), 50);
    await expect(
      poll({
        what: 'x',
        check: async () => pending('waiting'),
        intervalMs: 60_000,
        timeoutMs: 120_000,
        signal: controller.signal,
      }),
    ).rejects.toThrow(PollAbortedError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('passes on what the check throws, as a terminal failure', async () => {
    await expect(
      poll({
        what: 'x',
        check: async () => {
          throw new Error('builder i-1 terminated unexpectedly');
        },
        intervalMs: 1,
        timeoutMs: 10,
        clock: new FakeClock(),
      }),
    ).rejects.toThrow('builder i-1 terminated unexpectedly');
  });
});

describe('formatDuration', () => {
  it('prints seconds, minutes and hours compactly', () => {
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(95_000)).toBe('1m35s');
    expect(formatDuration(3_600_000)).toBe('1h00m00s');
  });
});

describe('withinGap', () => {
  it('keeps the longest jittered gap between two looks within the given poll interval', async () => {
    const clock = new FakeClock();
    await poll({
      what: 'the end',
      ...withinGap(15_000),
      timeoutMs: 3_600_000,
      clock,
      random: () => 0.999_999,
      check: async (attempt) => (attempt < 5 ? pending('waiting') : done(undefined)),
    });
    expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(15_000);
    expect(Math.max(...clock.sleeps)).toBeGreaterThan(14_990);
  });
});

describe('poll and cancel', () => {
  it('reports a check whose request the cancel aborted as a cancel, not as the request’s error', async () => {
    const controller = new AbortController();
    const waiting = poll({
      what: 'deployment d-1',
      intervalMs: 1000,
      timeoutMs: 60_000,
      signal: controller.signal,
      clock: new FakeClock(),
      check: async () => {
        controller.abort(new Error('The run was cancelled (SIGINT)'));
        throw new Error('Request aborted');
      },
    });
    await expect(waiting).rejects.toBeInstanceOf(PollAbortedError);
    await expect(waiting).rejects.toThrow(
      'Stopped waiting for deployment d-1: The run was cancelled (SIGINT)',
    );
  });
});
