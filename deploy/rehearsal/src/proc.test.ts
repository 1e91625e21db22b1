import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ageMs, readProcStat } from './proc.js';

describe('a process’s age (start-to-ready in the rollout benchmark)', () => {
  it('is measured on the clock its start time counts on, to within a few ticks', async () => {
    const child = spawn('sleep', ['5'], { stdio: 'ignore' });
    await new Promise((resolve) => child.once('spawn', resolve));
    const spawnedAt = performance.now();
    await sleep(300);
    const stat = await readProcStat(child.pid!);
    const age = await ageMs(stat!);
    const elapsed = performance.now() - spawnedAt;
    child.kill();
    // Ticks and /proc/uptime have 10 ms resolution; a boot time in whole seconds would be off by up to 1 s.
    expect(age).toBeGreaterThanOrEqual(elapsed - 30);
    expect(age).toBeLessThanOrEqual(elapsed + 50);
  });
});
