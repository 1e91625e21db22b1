import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runHookScript } from './hook-script.js';

describe('runHookScript', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hook-test-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const script = async (body: string) => {
    const path = join(dir, 'hook.sh');
    await writeFile(path, `#!/usr/bin/env bash\nset -euo pipefail\n${body}\n`, { mode: 0o755 });
    return path;
  };
  const hook = (path: string, timeoutSeconds = 10) => ({
    script: path,
    cwd: dir,
    timeoutSeconds,
    logFile: join(dir, 'deployments.log'),
    env: { PATH: process.env.PATH, LIFECYCLE_EVENT: 'AfterInstall', DEPLOYMENT_ID: 'd-TEST00001' },
  });

  it('runs the script with the lifecycle environment and logs its output', async () => {
    await runHookScript(hook(await script('echo "$LIFECYCLE_EVENT of $DEPLOYMENT_ID"')));
    expect(await readFile(join(dir, 'deployments.log'), 'utf8')).toContain('AfterInstall of d-TEST00001');
  });

  it('fails with the exit code and the last lines of output', async () => {
    await expect(
      runHookScript(hook(await script('echo "migrations: table locked" >&2; exit 3'))),
    ).rejects.toThrow(/hook\.sh exited with 3; its last output:\nmigrations: table locked/);
  });

  it('kills the whole process group when the script overruns its timeout', async () => {
    const path = await script(`sleep 60 & echo $! > "${dir}/child.pid"; wait`);
    const started = Date.now();
    await expect(runHookScript(hook(path, 1))).rejects.toThrow(/timed out after 1 s and was killed/);
    expect(Date.now() - started).toBeLessThan(5000);
    const child = Number(await readFile(join(dir, 'child.pid'), 'utf8'));
    await sleep(100);
    // The background child went with it (a zombie until reaped counts as gone).
    const state = existsSync(`/proc/${child}/stat`)
      ? (await readFile(`/proc/${child}/stat`, 'utf8')).split(') ')[1]?.[0]
      : 'gone';
    expect(['gone', 'Z', 'X']).toContain(state);
  });
});
