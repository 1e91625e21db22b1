import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { processesByMountNamespace } from '../proc.js';
import { InstanceCpu } from './cpu.js';

/**
 * A process in a mount namespace of its own (unshare, as each rehearsal instance's agent), leading a
 * process group of its own, so the test ends it and whatever it started.
 */
function inOwnNamespace(script: string): ChildProcess {
  return spawn('unshare', ['--mount', '--propagation', 'private', '--', process.execPath, '-e', script], {
    stdio: 'ignore',
    detached: true,
  });
}

describe("an instance's CPU utilization, from /proc", () => {
  const started: ChildProcess[] = [];
  afterEach(() => {
    for (const child of started.splice(0)) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  it('counts the CPU of the processes in its mount namespace, children included, and nothing else', async () => {
    // The "instance": a parent that idles and a child it starts that spins; outside it, another spinner.
    const instance = inOwnNamespace(`
      require('node:child_process').spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
      setInterval(() => {}, 1000);
    `);
    const idle = inOwnNamespace('setInterval(() => {}, 1000)');
    const outside = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore', detached: true });
    started.push(instance, idle, outside);
    await sleep(1000);
    const busy = await InstanceCpu.of(instance.pid!);
    const quiet = await InstanceCpu.of(idle.pid!);
    expect(await busy.sample(await processesByMountNamespace())).toBeUndefined();
    await quiet.sample(await processesByMountNamespace());
    await sleep(2000);
    const processes = await processesByMountNamespace();
    const busyCpu = (await busy.sample(processes))!;
    const quietCpu = (await quiet.sample(processes))!;
    // The spinning child shares the machine's two cores with everything else running; whatever it
    // gets is the instance's, the spinner outside is nobody's, and an instance cannot exceed 100 %.
    expect(busyCpu).toBeGreaterThan(10);
    expect(busyCpu).toBeLessThanOrEqual(100);
    expect(quietCpu).toBeLessThan(3);
  }, 30_000);
});
