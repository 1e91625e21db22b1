import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Supervisor } from './supervisor.js';

describe('the supervisor runs a command as the unit runs (systemd-run)', () => {
  let dir: string;
  let supervisor: Supervisor;
  const printEnv = [process.execPath, '-e', 'process.stdout.write(process.env.A + "/" + process.env.B)'];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'supervisor-'));
    await writeFile(
      join(dir, 'app.service'),
      `[Service]\nEnvironment=A=unit\nEnvironmentFile=${join(dir, 'app.env')}\nExecStart=/bin/true\n`,
    );
    await writeFile(join(dir, 'app.env'), 'B=from-the-unit-file\n');
    supervisor = new Supervisor(join(dir, 'state'), dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** Runs `printEnv` through the supervisor and returns what it printed. */
  async function run(envFiles: string[]): Promise<string> {
    const out = join(dir, 'out');
    const code = await supervisor.run(
      'app.service',
      ['/bin/sh', '-c', `"$@" > ${out}`, 'sh', ...printEnv],
      envFiles,
    );
    expect(code).toBe(0);
    return readFile(out, 'utf8');
  }

  it('with the unit’s Environment= and EnvironmentFile=', async () => {
    expect(await run([])).toBe('unit/from-the-unit-file');
  });

  it('reads each extra environment file after the unit’s, so its values win (-EnvironmentFile=, as root)', async () => {
    await writeFile(join(dir, 'extra.env'), 'B=from-the-extra-file\n');
    expect(await run([join(dir, 'extra.env')])).toBe('unit/from-the-extra-file');
  });

  it('skips an extra file that does not exist, as systemd does for a "-" path', async () => {
    expect(await run([join(dir, 'missing.env')])).toBe('unit/from-the-unit-file');
  });
});
