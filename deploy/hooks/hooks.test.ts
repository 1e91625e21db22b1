import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './paths.js';
import { run } from './process.js';

/**
 * The hooks' EC2 side (DEALERSHIP_SUPERVISOR unset: systemd). There is no systemd running as PID 1
 * here, so systemctl and systemd-run are stand-ins that record their arguments and exit as told; the
 * rehearsal runs the same scripts against a real supervisor.
 */
describe('the hooks on systemd', () => {
  let dir: string;
  let root: string;
  let revision: string;
  const calls = () => join(dir, 'calls');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hooks-systemd-'));
    root = join(dir, 'root');
    revision = join(dir, 'revision');
    await cp(join(REPO_ROOT, 'deploy'), join(revision, 'deploy'), {
      recursive: true,
      filter: (path) => !path.includes('/rehearsal') && !path.includes('/infra'),
    });
    await writeFile(join(revision, 'REVISION'), 'abc123\n');
    await mkdir(join(root, 'etc/dealership'), { recursive: true });
    await writeFile(
      join(root, 'etc/dealership/dealership.env'),
      'PORT=3999\nDATABASE_URL=mysql://u:p@db:3306/dealership\n',
    );
    await mkdir(join(dir, 'bin'));
    for (const tool of ['systemctl', 'systemd-run']) {
      const exitCode = `\${FAIL_${tool.replace('-', '_').toUpperCase()}:-0}`;
      await writeFile(
        join(dir, 'bin', tool),
        `#!/bin/sh\necho "${tool} $*" >> "${calls()}"\nexit ${exitCode}\n`,
        { mode: 0o755 },
      );
    }
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const hook = (name: string, env: Record<string, string> = {}) =>
    run(join(revision, 'deploy/hooks', name), [], {
      env: {
        PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
        DEALERSHIP_ROOT: root,
        LIFECYCLE_EVENT: name,
        ...env,
      },
    });
  const recorded = async () =>
    (await readFile(calls(), 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);

  it('ApplicationStop does nothing before the unit is installed', async () => {
    const result = await hook('application-stop.sh');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('dealership.service is not installed; nothing to stop');
    expect(await recorded()).toEqual([]);
  });

  it('AfterInstall installs the unit and migrates as the service user with its environment file', async () => {
    await cp(join(revision, 'deploy'), join(root, 'opt/dealership/app/deploy'), { recursive: true });
    const result = await hook('after-install.sh');
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(join(root, 'etc/systemd/system/dealership.service'), 'utf8')).toContain(
      'User=dealership',
    );
    expect(await recorded()).toEqual([
      'systemctl daemon-reload',
      `systemd-run --quiet --wait --pipe --collect --service-type=exec --uid=dealership --gid=dealership --working-directory=${root}/opt/dealership/app/service --property=EnvironmentFile=${root}/etc/dealership/dealership.env -- node ${root}/opt/dealership/app/service/dist/cli/migrate.js up`,
    ]);
  });

  it('AfterInstall fails when the migrations fail', async () => {
    await cp(join(revision, 'deploy'), join(root, 'opt/dealership/app/deploy'), { recursive: true });
    const result = await hook('after-install.sh', { FAIL_SYSTEMD_RUN: '1' });
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('migrations applied');
  });

  it('ApplicationStart enables and restarts the unit; ApplicationStop then stops it', async () => {
    await mkdir(join(root, 'etc/systemd/system'), { recursive: true });
    await writeFile(join(root, 'etc/systemd/system/dealership.service'), '[Service]\n');
    expect((await hook('application-start.sh')).code).toBe(0);
    expect((await hook('application-stop.sh')).code).toBe(0);
    expect(await recorded()).toEqual([
      'systemctl enable --quiet dealership.service',
      'systemctl restart dealership.service',
      'systemctl stop dealership.service',
    ]);
  });

  it('BeforeInstall refuses an instance without the service user or without a DATABASE_URL', async () => {
    const missingUser = await hook('before-install.sh');
    expect(missingUser.code).toBe(1);
    expect(missingUser.stderr).toContain(
      'user dealership does not exist (deploy/image/provision.sh creates it)',
    );
    await writeFile(join(root, 'etc/dealership/dealership.env'), 'PORT=3999\n');
    const noDatabase = await hook('before-install.sh');
    expect(noDatabase.stderr).toContain('sets no DATABASE_URL');
  });

  it('refuses a supervisor it does not know, naming the value', async () => {
    const result = await hook('application-start.sh', { DEALERSHIP_SUPERVISOR: 'upstart' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("DEALERSHIP_SUPERVISOR must be systemd or rehearsal, got 'upstart'");
  });
});
