import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inMountNamespace } from '../namespace.js';
import { run } from '../process.js';
import { SUPERVISOR_CLIENT, SupervisorDaemon, supervisorAddress } from './daemon.js';

/**
 * The rehearsal's systemctl as the hooks call it: the client script, answered by a daemon entered into
 * an instance's mount namespace (here one holding only /etc/systemd/system, as an agent's does).
 * `run` (process.ts) gives the client sockets for its streams, as the agent gives its scripts.
 */
describe('the supervisor daemon and its client', () => {
  let dir: string;
  let state: string;
  let client: string;
  let namespace: ChildProcess;
  let daemon: SupervisorDaemon;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'supervisor-daemon-'));
    state = join(dir, 'state');
    await mkdir(join(dir, 'units'));
    await writeFile(
      join(dir, 'units', 'app.service'),
      '[Service]\nEnvironment=GREETING=from-the-unit\nExecStart=/bin/sleep 600\nTimeoutStopSec=5\n',
    );
    client = join(dir, 'supervisor');
    await writeFile(client, SUPERVISOR_CLIENT, { mode: 0o755 });
    const [command, args] = inMountNamespace(
      [{ source: join(dir, 'units'), target: '/etc/systemd/system' }],
      ['sleep', '600'],
    );
    namespace = spawn(command, args, { stdio: 'ignore' });
    daemon = await SupervisorDaemon.start({ namespacePid: namespace.pid!, stateDir: state });
  });

  afterAll(async () => {
    await supervise('stop', 'app.service');
    await daemon.stop();
    namespace.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  const supervise = (...args: string[]) =>
    run(client, args, { env: { ...process.env, DEALERSHIP_REHEARSAL_STATE: state } });
  const mainPid = async () =>
    JSON.parse(await readFile(join(state, 'app.service.pid'), 'utf8')).pid as number;

  it('answers is-active with systemctl’s status and output (3, inactive; --quiet prints nothing)', async () => {
    expect(await supervise('is-active', 'app.service')).toMatchObject({ code: 3, stdout: 'inactive\n' });
    expect(await supervise('is-active', '--quiet', 'app.service')).toMatchObject({ code: 3, stdout: '' });
  });

  it('hands every call its own output and status, many calls at once', async () => {
    for (let round = 0; round < 10; round += 1) {
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => supervise('is-active', 'app.service')),
      );
      for (const answer of answers)
        expect(answer).toMatchObject({ code: 3, stdout: 'inactive\n', stderr: '' });
    }
  }, 30_000);

  it('starts the unit inside the instance’s namespace, as the daemon’s child, then stops it', async () => {
    expect(await supervise('daemon-reload')).toMatchObject({ code: 0 });
    expect(await supervise('start', 'app.service')).toMatchObject({ code: 0, stderr: '' });
    const pid = await mainPid();
    expect(readlinkSync(`/proc/${pid}/ns/mnt`)).toBe(readlinkSync(`/proc/${namespace.pid}/ns/mnt`));
    expect(readlinkSync(`/proc/${pid}/ns/mnt`)).not.toBe(readlinkSync('/proc/self/ns/mnt'));
    expect(await supervise('is-active', 'app.service')).toMatchObject({ code: 0, stdout: 'active\n' });
    expect(await supervise('restart', 'app.service')).toMatchObject({ code: 0 });
    expect(await mainPid()).not.toBe(pid);
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(await supervise('stop', 'app.service')).toMatchObject({ code: 0 });
    expect(await supervise('is-active', '--quiet', 'app.service')).toMatchObject({ code: 3 });
  });

  it('runs a command as the unit runs, its output on the caller’s stdout and stderr, its status the caller’s', async () => {
    const result = await supervise(
      'run',
      'app.service',
      '/bin/sh',
      '-c',
      'echo "out $GREETING"; echo "err $1" >&2; exit 7',
      'sh',
      'an argument with spaces',
    );
    expect(result).toEqual({
      code: 7,
      signal: null,
      stdout: 'out from-the-unit\n',
      stderr: 'err an argument with spaces\n',
    });
    // Empty arguments and lines, and a last line without its newline, come through as lines.
    expect(await supervise('run', 'app.service', '/usr/bin/printf', '%s\\n\\n%s', '', 'last')).toMatchObject({
      code: 0,
      stdout: '\n\nlast\n',
    });
  });

  it('ends what run started when its caller is killed (the hook’s timeout)', async () => {
    const marker = join(dir, 'still-running');
    const caller = spawn(client, ['run', 'app.service', '/bin/sh', '-c', `sleep 1; touch ${marker}`], {
      env: { ...process.env, DEALERSHIP_REHEARSAL_STATE: state },
      stdio: 'ignore',
      detached: true,
    });
    await sleep(300);
    process.kill(-caller.pid!, 'SIGTERM');
    await sleep(1500);
    expect(existsSync(marker)).toBe(false);
  });

  it('fails a verb as systemctl does: status 1, the error on stderr', async () => {
    expect(await supervise('reload', 'app.service')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('error: unknown verb "reload"'),
    });
    expect(await supervise('start')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('start needs a unit name'),
    });
  });

  it('says so when no daemon answers', async () => {
    const result = await run(client, ['is-active', 'app.service'], {
      env: { ...process.env, DEALERSHIP_REHEARSAL_STATE: join(dir, 'nowhere') },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `no rehearsal supervisor daemon is listening (${join(dir, 'nowhere')}/supervisor.address is unreadable)`,
    );
  });

  it('answers only whoever has its token, which only root can read', async () => {
    const { stdout } = await run('stat', ['-c', '%a %U', supervisorAddress(state)]);
    expect(stdout.trim()).toBe('600 root');
    const [port] = (await readFile(supervisorAddress(state), 'utf8')).split(' ');
    const forged = join(dir, 'forged');
    await mkdir(forged);
    await writeFile(supervisorAddress(forged), `${port} ${'0'.repeat(48)}\n`);
    const result = await run(client, ['start', 'app.service'], {
      env: { ...process.env, DEALERSHIP_REHEARSAL_STATE: forged },
    });
    expect(result).toMatchObject({ code: 1, stderr: 'supervisor: wrong token\n' });
    expect(existsSync(join(state, 'app.service.pid'))).toBe(false);
  });
});
