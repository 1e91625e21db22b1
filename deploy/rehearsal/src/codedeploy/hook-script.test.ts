import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HookScript } from '@dealership/revision';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SERVICE_ACCOUNT } from '../accounts.js';
import { HookFailure, runHookScript, ScriptLog } from './hook-script.js';

/** The twin of hook_executor.rb's script handling (aws/aws-codedeploy-agent); one test per rule. */
describe('runHookScript', () => {
  let dir: string;
  let warnings: string[];
  let log: ScriptLog;
  const leftovers: number[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hook-test-'));
    warnings = [];
    log = new ScriptLog(
      join(dir, 'logs/scripts.log'),
      join(dir, 'deployment-logs/deployments.log'),
      'd-TEST00001',
    );
  });
  afterEach(async () => {
    for (const pid of leftovers.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await rm(dir, { recursive: true, force: true });
  });

  const script = async (body: string, mode = 0o755) => {
    await writeFile(join(dir, 'hook.sh'), `#!/usr/bin/env bash\nset -euo pipefail\n${body}\n`, { mode });
  };
  const hook = (options: Partial<HookScript> = {}, env: NodeJS.ProcessEnv = {}) =>
    runHookScript({
      script: { location: 'hook.sh', timeoutSeconds: 10, ...options },
      archiveDir: dir,
      env: { PATH: process.env.PATH, LIFECYCLE_EVENT: 'AfterInstall', DEPLOYMENT_ID: 'd-TEST00001', ...env },
      log,
      agentLog: (severity, message) => warnings.push(`${severity} ${message}`),
    });
  const failure = async (run: Promise<void>) => {
    const error = await run.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(HookFailure);
    return error as HookFailure;
  };
  const scriptsLog = () => readFileSync(join(dir, 'logs/scripts.log'), 'utf8');

  it('streams each output line, timestamped, into the deployment’s logs/scripts.log as it comes', async () => {
    await script('echo first; echo oops >&2; sleep 1; echo second');
    const running = hook();
    await sleep(600);
    expect(scriptsLog()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d Script - hook\.sh\n/);
    expect(scriptsLog()).toMatch(/\n\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[stdout\]first\n/);
    expect(scriptsLog()).toContain('[stderr]oops\n');
    expect(scriptsLog()).not.toContain('second');
    await running;
    expect(scriptsLog()).toContain('[stdout]second\n');
    expect(readFileSync(join(dir, 'deployment-logs/deployments.log'), 'utf8')).toMatch(
      /\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] \[d-TEST00001\]\[stdout\]first\n/,
    );
  });

  it('gives the script the environment it is handed and the agent’s own working directory', async () => {
    await script('echo "$LIFECYCLE_EVENT $DEPLOYMENT_ID $AGENT_THING"; pwd');
    await hook({}, { AGENT_THING: 'inherited' });
    expect(scriptsLog()).toContain('[stdout]AfterInstall d-TEST00001 inherited\n');
    expect(scriptsLog()).toContain(`[stdout]${process.cwd()}\n`);
  });

  it('fails a non-zero exit with the agent’s message and the log’s tail', async () => {
    await script('echo "migrations: table locked" >&2; exit 3');
    const error = await failure(hook());
    expect(error.code).toBe('ScriptFailed');
    expect(error.agentMessage).toBe('Script at specified location: hook.sh failed with exit code 3');
    expect(error.log).toContain('[stderr]migrations: table locked\n');
  });

  it('fails a missing script with ScriptMissing', async () => {
    const error = await failure(hook());
    expect(error.code).toBe('ScriptMissing');
    expect(error.agentMessage).toBe(`Script does not exist at specified location: ${join(dir, 'hook.sh')}`);
  });

  it('makes a script that is not executable executable, with a warning, and runs it', async () => {
    await script('echo ran', 0o644);
    await hook();
    expect(statSync(join(dir, 'hook.sh')).mode & 0o777).toBe(0o755);
    expect(warnings).toEqual([
      'warn Script at specified location: hook.sh is not executable.  Trying to make it executable.',
    ]);
    expect(scriptsLog()).toContain('[stdout]ran\n');
  });

  it('at the timeout sends SIGTERM to the script’s process group, then waits for it to exit', async () => {
    // The script and its background child both trap SIGTERM; the script takes a second to clean up.
    // Its stderr goes to a file: the agent closes the pipes at the deadline (next test).
    await script(
      `exec 2>>"${dir}/stderr"
trap 'sleep 1; echo cleaned-up >> "${dir}/terms"; exit 0' TERM
( trap 'echo child-term >> "${dir}/terms"; exit 0' TERM; while :; do sleep 0.1; done ) &
while :; do sleep 0.1; done`,
    );
    const started = Date.now();
    const error = await failure(hook({ timeoutSeconds: 1 }));
    const took = Date.now() - started;
    expect(error.code).toBe('ScriptTimedOut');
    expect(error.agentMessage).toBe('Script at specified location: hook.sh failed to complete in 1 seconds');
    // Not killed outright: the agent waited for the script's own second of cleanup.
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(6000);
    expect((await readFile(join(dir, 'terms'), 'utf8')).split('\n').sort()).toEqual([
      '',
      'child-term',
      'cleaned-up',
    ]);
  });

  it('closes the script’s stdout and stderr at the timeout, so a script writing after SIGTERM dies of SIGPIPE', async () => {
    await script(
      `trap 'sleep 0.3; echo bye; touch "${dir}/survived"; exit 0' TERM\nwhile :; do sleep 0.1; done 2>/dev/null`,
    );
    const error = await failure(hook({ timeoutSeconds: 1 }));
    expect(error.code).toBe('ScriptTimedOut');
    expect(existsSync(join(dir, 'survived'))).toBe(false);
  });

  it('fails a script that exits but leaves its stdout open past the same deadline, and leaves that child running', async () => {
    // It runs for 0.8 s of its 2 s, exits, and its child holds stdout: the failure comes at 2 s from
    // the start (one deadline), not 2 s after the exit.
    await script(`sleep 0.8; sleep 30 & echo $! > "${dir}/child.pid"; echo done`);
    const started = Date.now();
    const error = await failure(hook({ timeoutSeconds: 2 }));
    const took = Date.now() - started;
    expect(error.code).toBe('OutputsLeftOpen');
    expect(error.agentMessage).toBe('Script at specified location: hook.sh failed to close STDOUT');
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(2700);
    const child = Number(readFileSync(join(dir, 'child.pid'), 'utf8'));
    leftovers.push(child);
    expect(existsSync(`/proc/${child}`)).toBe(true);
  });

  it('runs a runas script through `su USER -c`, which needs a user whose shell accepts -c', async () => {
    await script('echo "as $(id -un) with SHELL=$SHELL"');
    await hook({ runas: 'root' }, { SHELL: '/bin/false' });
    // su sets SHELL from the target's passwd entry: the proof it went through su.
    expect(scriptsLog()).toMatch(/\[stdout\]as root with SHELL=\/bin\/(ba)?sh\n/);
    const refused = await failure(hook({ runas: SERVICE_ACCOUNT }));
    expect(refused.agentMessage).toBe(
      `Script at specified location: hook.sh run as user ${SERVICE_ACCOUNT} failed with exit code 1`,
    );
    expect(refused.log).toContain('This account is currently not available');
  });
});
