import { statSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { groupId, SERVICE_ACCOUNT } from '../rehearsal/src/accounts.js';
import { provisionInstance } from '../rehearsal/src/instance.js';
import { type Bind, inMountNamespace } from '../rehearsal/src/namespace.js';
import { REPO_ROOT } from '../rehearsal/src/paths.js';
import { run } from '../rehearsal/src/process.js';
import { scratchDir } from '../rehearsal/src/scratch.js';

/**
 * The hooks' EC2 side (DEALERSHIP_SUPERVISOR unset: systemd), each run as the agent runs it: as root,
 * in a mount namespace where /opt/dealership, /etc/dealership and /etc/systemd/system are this test's
 * (an instance as deploy/image/provision.sh leaves one), so the scripts use their real paths. There is
 * no systemd running as PID 1 here, so systemctl and systemd-run are stand-ins that record their
 * arguments and exit as told; the rehearsal runs the same scripts against a real supervisor.
 */
describe('the hooks on systemd', () => {
  let dir: string;
  let root: string;
  let revision: string;
  let binds: Bind[];
  const calls = () => join(dir, 'calls');
  const app = () => join(root, 'opt/dealership/app');

  /** systemd-run as the hooks call it to run a command the way the unit runs (user, directory, environment file). */
  const RUN_AS_SERVICE =
    'systemd-run --quiet --wait --pipe --collect --service-type=exec --uid=dealership --gid=dealership --working-directory=/opt/dealership/app/service --property=EnvironmentFile=/etc/dealership/dealership.env';

  beforeEach(async () => {
    dir = await mkdtemp(join(await scratchDir(), 'hooks-systemd-'));
    root = join(dir, 'root');
    revision = join(dir, 'revision');
    await cp(join(REPO_ROOT, 'deploy/hooks'), join(revision, 'deploy/hooks'), { recursive: true });
    await cp(join(REPO_ROOT, 'deploy/systemd'), join(revision, 'deploy/systemd'), { recursive: true });
    await writeFile(join(revision, 'REVISION'), 'abc123\n');
    binds = await provisionInstance(root);
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

  const hook = (name: string, env: Record<string, string> = {}, extraBinds: Bind[] = []) => {
    const [command, args] = inMountNamespace(
      [...binds, ...extraBinds],
      [join(revision, 'deploy/hooks', name)],
    );
    return run(command, args, {
      env: { PATH: `${join(dir, 'bin')}:${process.env.PATH}`, LIFECYCLE_EVENT: name, ...env },
    });
  };
  const recorded = async () =>
    (await readFile(calls(), 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);
  const installRevisionFiles = () => cp(join(revision, 'deploy'), join(app(), 'deploy'), { recursive: true });

  it('ApplicationStop does nothing before the unit is installed', async () => {
    const result = await hook('application-stop.sh');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('dealership.service is not installed; nothing to stop');
    expect(await recorded()).toEqual([]);
  });

  it('AfterInstall installs the unit and migrates as the service user with its environment file', async () => {
    await installRevisionFiles();
    const result = await hook('after-install.sh');
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(join(root, 'etc/systemd/system/dealership.service'), 'utf8')).toContain(
      'User=dealership',
    );
    expect(await recorded()).toEqual([
      'systemctl daemon-reload',
      `${RUN_AS_SERVICE} --property=EnvironmentFile=-/etc/dealership/migrate.env -- node /opt/dealership/app/service/dist/cli/migrate.js up`,
    ]);
  });

  it('AfterInstall gives the service its own database user when it logs in with IAM (as the master user)', async () => {
    await installRevisionFiles();
    await writeFile(
      join(root, 'etc/dealership/dealership.env'),
      'DATABASE_URL=mysql://dealership_app@db:3306/dealership\nDATABASE_IAM_AUTH=true\n',
    );
    const result = await hook('after-install.sh');
    expect(result.code, result.stderr).toBe(0);
    expect((await recorded()).slice(1)).toEqual([
      `${RUN_AS_SERVICE} --property=EnvironmentFile=-/etc/dealership/migrate.env -- node /opt/dealership/app/service/dist/cli/migrate.js up`,
      `${RUN_AS_SERVICE} --property=EnvironmentFile=-/etc/dealership/migrate.env -- node /opt/dealership/app/service/dist/cli/migrate.js grant-app-user --user dealership_app --auth iam`,
    ]);
  });

  it('AfterInstall fails when the migrations fail', async () => {
    await installRevisionFiles();
    const result = await hook('after-install.sh', { FAIL_SYSTEMD_RUN: '1' });
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('migrations applied');
  });

  it('ApplicationStart enables and restarts the unit; ApplicationStop then stops it', async () => {
    await writeFile(join(root, 'etc/systemd/system/dealership.service'), '[Service]\n');
    expect((await hook('application-start.sh')).code).toBe(0);
    expect((await hook('application-stop.sh')).code).toBe(0);
    expect(await recorded()).toEqual([
      'systemctl enable --quiet dealership.service',
      'systemctl restart dealership.service',
      'systemctl stop dealership.service',
    ]);
  });

  it('BeforeInstall keeps what is installed and leaves the install directory root:dealership 0750', async () => {
    await installRevisionFiles();
    await rm(app(), { recursive: true, force: true });
    const missing = await hook('before-install.sh');
    expect(missing.code, missing.stderr).toBe(0);
    const stat = statSync(app());
    expect(`${stat.uid}:${stat.gid} ${(stat.mode & 0o7777).toString(8)}`).toBe(
      `0:${groupId(SERVICE_ACCOUNT)} 750`,
    );

    // A failed Install must not find the instance emptied by BeforeInstall: it deletes nothing.
    await installRevisionFiles();
    expect((await hook('before-install.sh')).code).toBe(0);
    expect(statSync(join(app(), 'deploy/hooks/lib.sh')).isFile()).toBe(true);
  });

  it('BeforeInstall refuses an instance without the service user or without a DATABASE_URL', async () => {
    // An /etc/passwd without the service user, in this hook's namespace only.
    const passwd = join(dir, 'passwd');
    const lines = (await readFile('/etc/passwd', 'utf8')).split('\n');
    await writeFile(passwd, lines.filter((line) => !line.startsWith(`${SERVICE_ACCOUNT}:`)).join('\n'));
    const missingUser = await hook('before-install.sh', {}, [{ source: passwd, target: '/etc/passwd' }]);
    expect(missingUser.code).toBe(1);
    expect(missingUser.stderr).toContain(
      'user dealership does not exist (deploy/image/provision.sh creates it)',
    );
    await writeFile(join(root, 'etc/dealership/dealership.env'), 'PORT=3999\n');
    const noDatabase = await hook('before-install.sh');
    expect(noDatabase.code).toBe(1);
    expect(noDatabase.stderr).toContain('sets no DATABASE_URL');
  });

  it('BeforeInstall refuses a Node older than 20 or none, naming what it found', async () => {
    const bin = join(dir, 'old-node');
    await mkdir(bin);
    await writeFile(join(bin, 'node'), '#!/bin/sh\necho v18.19.1\n', { mode: 0o755 });
    const old = await hook('before-install.sh', { PATH: `${bin}:${join(dir, 'bin')}:${process.env.PATH}` });
    expect(old.code).toBe(1);
    expect(old.stderr).toContain('node v18.19.1 is too old: the service needs Node 20 or later');
    expect(await recorded()).toEqual([]);

    await writeFile(join(bin, 'node'), '#!/bin/sh\nexit 127\n', { mode: 0o755 });
    const none = await hook('before-install.sh', { PATH: `${bin}:${join(dir, 'bin')}:${process.env.PATH}` });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('node is not installed');

    const current = await hook('before-install.sh');
    expect(current.code, current.stderr).toBe(0);
  });

  /** ValidateService against a stand-in of the service on a free port: ready, and /version answering `version`. */
  const validate = async (version: string) => {
    const server = createServer((request, response) => {
      if (request.url === '/health/ready') response.end('{"status":"ready"}');
      else if (request.url === '/version') response.end(version);
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await writeFile(join(root, 'etc/dealership/dealership.env'), `PORT=${port}\n`);
    try {
      return { port, result: await hook('validate-service.sh') };
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  };
  /** The service's answer: Koa's JSON.stringify of service/src/version.ts `versionInfo`. */
  const versionAnswer = (commit: string) =>
    JSON.stringify({ version: '1.0.0', commit, startedAt: '2026-12-01T05:00:00.000Z' });

  it("ValidateService passes when /version serves this revision's commit", async () => {
    const { result } = await validate(versionAnswer('abc123'));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('serving commit abc123');
    expect(await recorded()).toEqual([]);
  });

  it('ValidateService fails when /version serves another commit, naming both', async () => {
    const { port, result } = await validate(versionAnswer('def456'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `http://127.0.0.1:${port}/version serves commit 'def456', this revision is 'abc123'`,
    );
  });

  it('ValidateService fails on a /version answer that is not JSON, or names no commit, quoting it', async () => {
    const malformed = await validate('<html>Bad Gateway</html>');
    expect(malformed.result.code).toBe(1);
    expect(malformed.result.stderr).toContain(
      `GET http://127.0.0.1:${malformed.port}/version is not JSON: <html>Bad Gateway</html>`,
    );
    const truncated = await validate(versionAnswer('abc123').slice(0, -1));
    expect(truncated.result.code).toBe(1);
    expect(truncated.result.stderr).toContain('/version is not JSON: {"version":"1.0.0","commit":"abc123"');
    const noCommit = await validate('{"version":"1.0.0","startedAt":"2026-12-01T05:00:00.000Z"}');
    expect(noCommit.result.code).toBe(1);
    expect(noCommit.result.stderr).toContain(
      `GET http://127.0.0.1:${noCommit.port}/version names no commit: {"version":"1.0.0"`,
    );
  });

  it('refuses a supervisor it does not know, naming the value', async () => {
    const result = await hook('application-start.sh', { DEALERSHIP_SUPERVISOR: 'upstart' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("DEALERSHIP_SUPERVISOR must be systemd or rehearsal, got 'upstart'");
  });
});
