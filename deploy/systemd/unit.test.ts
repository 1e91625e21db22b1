import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAppSpec } from '@dealership/revision';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../rehearsal/src/paths.js';
import { run } from '../rehearsal/src/process.js';
import { parseUnitSections, readServiceUnit } from '../rehearsal/src/supervisor/unit-file.js';

const UNIT_PATH = join(REPO_ROOT, 'deploy/systemd/dealership.service');
const settings = parseUnitSections(await readFile(UNIT_PATH, 'utf8'), UNIT_PATH).get('Service') ?? [];
const setting = (key: string) => settings.filter(([name]) => name === key).map(([, value]) => value);

describe('the systemd unit', () => {
  it('passes systemd-analyze verify', async () => {
    // A missing systemd-analyze is a failure (spawn ENOENT), never a pass: .ci/run installs it (systemd).
    const dir = await mkdtemp(join(tmpdir(), 'unit-verify-'));
    try {
      await copyFile(UNIT_PATH, join(dir, 'dealership.service'));
      const result = await run('systemd-analyze', ['verify', join(dir, 'dealership.service')]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs the installed service as its own user with the instance environment file', async () => {
    const unit = await readServiceUnit(UNIT_PATH);
    const { files } = parseAppSpec(await readFile(join(REPO_ROOT, 'appspec.yml'), 'utf8'));
    const installDir = files[0]!.destination;
    expect(unit.execStart).toEqual(['/usr/bin/node', `${installDir}/service/dist/main.js`]);
    expect(unit.workingDirectory).toBe(`${installDir}/service`);
    expect(setting('User')).toEqual(['dealership']);
    // What the rehearsal's supervisor runs the service as.
    expect([unit.user, unit.group]).toEqual(['dealership', 'dealership']);
    expect(unit.environmentFiles).toEqual([{ path: '/etc/dealership/dealership.env', optional: false }]);
    expect(Object.fromEntries(unit.environment)).toMatchObject({ MIGRATE_ON_START: 'false' });
    expect(setting('Restart')).toEqual(['on-failure']);
  });

  it('waits longer for a stop than the service drains', async () => {
    const unit = await readServiceUnit(UNIT_PATH);
    const drainMs = Number(Object.fromEntries(unit.environment).SHUTDOWN_DRAIN_MS);
    expect(drainMs).toBeGreaterThan(0);
    expect(unit.killSignal).toBe('SIGTERM');
    // The drain, then in-flight requests and pools closing, with room to spare.
    expect(unit.timeoutStopSeconds).toBeGreaterThanOrEqual(drainMs / 1000 + 15);
  });

  it('is hardened: no new privileges, a read-only system, private /tmp, no home, one writable path', () => {
    expect(setting('NoNewPrivileges')).toEqual(['yes']);
    expect(setting('ProtectSystem')).toEqual(['strict']);
    expect(setting('ReadWritePaths')).toEqual(['/var/lib/dealership']);
    expect(setting('PrivateTmp')).toEqual(['yes']);
    expect(setting('ProtectHome')).toEqual(['yes']);
    expect(setting('CapabilityBoundingSet')).toEqual(['']);
    expect(setting('MemoryDenyWriteExecute')).toEqual([]); // V8's JIT needs writable code pages
  });
});
