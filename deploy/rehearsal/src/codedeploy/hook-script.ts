/**
 * One lifecycle hook script, run as the agent runs it. Source: aws/aws-codedeploy-agent,
 * lib/instance_agent/plugins/codedeploy/hook_executor.rb (HookExecutor#execute, #execute_script,
 * ScriptLog, ScriptError), lib/instance_agent/platform/linux_util.rb (prepare_script_command,
 * script_executable?) and lib/instance_agent/platform/thread_joiner.rb (one deadline for every join).
 */
import { spawn } from 'node:child_process';
import { accessSync, appendFileSync, chmodSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { HookScript } from '@dealership/revision';

/** hook_executor.rb ScriptError codes, named as the CodeDeploy API's LifecycleErrorCode names them. */
export type ScriptErrorCode =
  | 'ScriptMissing'
  | 'ScriptNotExecutable'
  | 'ScriptTimedOut'
  | 'ScriptFailed'
  | 'UnknownError'
  | 'OutputsLeftOpen';

/** A hook that failed, as the agent reports it to CodeDeploy: a code, the script, a message, the log's tail. */
export class HookFailure extends Error {
  constructor(
    readonly code: ScriptErrorCode,
    readonly scriptName: string,
    /** The agent's message, word for word. */
    readonly agentMessage: string,
    /** ScriptLog: the last ~2 KB of the event's log lines. */
    readonly log: string,
  ) {
    const tail = log.trim().split('\n').slice(-8).join('\n');
    super(`${agentMessage}${tail ? `; its last output:\n${tail}` : ''}`);
    this.name = 'HookFailure';
  }
}

/** Ruby's `Time.now.to_s[0..-7]`: local time, to the second, without the zone. */
function scriptLogTime(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
}

/** The deployments log's `[%Y-%m-%d %H:%M:%S.%L]` (lib/instance_agent/log.rb DeploymentLog). */
function deploymentLogTime(now = new Date()): string {
  return `${scriptLogTime(now)}.${String(now.getMilliseconds()).padStart(3, '0')}`;
}

/**
 * Where an event's script output goes (hook_executor.rb `log_script`): each line, as it arrives, to
 * the deployment's `logs/scripts.log` with a timestamp, to the agent's deployments log
 * (`<root_dir>/deployment-logs/codedeploy-agent-deployments.log`, enable_deployments_log defaults to
 * true in config.rb), and to the tail kept for the error report.
 */
export class ScriptLog {
  private entries: string[] = [];

  constructor(
    /** <deployment root>/logs/scripts.log, the current deployment's even for the previous revision's scripts. */
    readonly file: string,
    readonly deploymentsLog: string,
    readonly deploymentId: string,
  ) {
    mkdirSync(dirname(file), { recursive: true });
    mkdirSync(dirname(deploymentsLog), { recursive: true });
  }

  write(message: string): void {
    this.entries.push(message);
    // ScriptLog#append_to_log keeps the newest entries that fit in 2048 characters.
    let size = 0;
    let keep = this.entries.length;
    while (keep > 0 && size + this.entries[keep - 1]!.length < 2048) size += this.entries[--keep]!.length;
    if (keep > 0) this.entries = this.entries.slice(keep);
    appendFileSync(this.file, `${scriptLogTime()} ${message}`);
    appendFileSync(this.deploymentsLog, `[${deploymentLogTime()}] [${this.deploymentId}]${message.trim()}\n`);
  }

  get tail(): string {
    return this.entries.join('');
  }
}

/** The agent's own log (log_dir/codedeploy-agent.log), where its warnings go. */
export type AgentLog = (severity: 'info' | 'warn' | 'error', message: string) => void;

export interface HookRun {
  script: HookScript;
  /** The deployment-archive the script's location is relative to. */
  archiveDir: string;
  /** The agent's environment merged with the lifecycle variables (agent.ts). */
  env: NodeJS.ProcessEnv;
  log: ScriptLog;
  agentLog: AgentLog;
}

/**
 * hook_executor.rb `execute` for one script:
 * - a missing script fails with ScriptMissing; one that is not executable is made executable
 *   (`chmod +x`) with a warning in the agent's log, and only fails (ScriptNotExecutable) when that fails;
 * - `runas: USER` runs `su USER -c SCRIPT` (linux_util.rb), so USER's login shell must accept -c: a
 *   nologin account fails;
 * - the script runs in its own process group, in the agent's working directory (the agent never
 *   changes it), with its stdin closed and each stdout/stderr line logged as it arrives;
 * - one deadline, `timeout` seconds from the start, covers the script exiting AND its stdout and
 *   stderr closing (ThreadJoiner). At the deadline a script still running gets SIGTERM to its process
 *   group and the agent then waits for it to exit, however long that takes (Open3.popen3's block
 *   joins the process on the way out); ScriptTimedOut. A script that exited but left its stdout or
 *   stderr open (a background child holding it) fails at the deadline with OutputsLeftOpen, and that
 *   child is not killed;
 * - otherwise a non-zero exit is ScriptFailed.
 */
export async function runHookScript(run: HookRun): Promise<void> {
  const { script, log } = run;
  const path = join(run.archiveDir, script.location);
  const failure = (code: ScriptErrorCode, message: string) =>
    new HookFailure(code, script.location, message, log.tail);
  if (!existsSync(path)) {
    throw failure('ScriptMissing', `Script does not exist at specified location: ${resolve(path)}`);
  }
  if (!isExecutable(path)) {
    run.agentLog(
      'warn',
      `Script at specified location: ${script.location} is not executable.  Trying to make it executable.`,
    );
    try {
      chmodSync(path, statSync(path).mode | 0o111);
    } catch {
      throw failure(
        'ScriptNotExecutable',
        `Unable to set script at specified location: ${script.location} as executable`,
      );
    }
  }

  log.write(`Script - ${script.location}\n`);
  const prefix =
    script.runas === undefined
      ? `Script at specified location: ${script.location}`
      : `Script at specified location: ${script.location} run as user ${script.runas}`;
  const [command, args] = script.runas === undefined ? [path, []] : ['su', [script.runas, '-c', path]];

  const deadline = Date.now() + script.timeoutSeconds * 1000;
  const child = spawn(command, args, { env: run.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end();
  const spawned = new Promise<void>((resolveSpawn, reject) => {
    child.once('spawn', resolveSpawn);
    child.once('error', (error) =>
      reject(
        failure('ScriptFailed', `${prefix} failed with error ${error.name} with message ${error.message}`),
      ),
    );
  });
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const stdoutClosed = streamLines(child.stdout, '[stdout]', log);
  const stderrClosed = streamLines(child.stderr, '[stderr]', log);
  await spawned;

  const within = <T>(promise: Promise<T>): Promise<{ done: true; value: T } | { done: false }> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ done: false }>((resolveTimeout) => {
      timer = setTimeout(() => resolveTimeout({ done: false }), Math.max(0, deadline - Date.now()));
    });
    return Promise.race([promise.then((value) => ({ done: true as const, value })), timeout]).finally(() =>
      clearTimeout(timer),
    );
  };
  const closePipes = () => {
    child.stdout.destroy();
    child.stderr.destroy();
  };

  const exit = await within(exited);
  if (!exit.done) {
    run.agentLog('info', `Script at specified location: ${script.location} timed out`);
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // the group is gone already
    }
    closePipes();
    await exited;
    throw failure(
      'ScriptTimedOut',
      `Script at specified location: ${script.location} failed to complete in ${script.timeoutSeconds} seconds`,
    );
  }
  for (const [closed, name] of [
    [stdoutClosed, 'STDOUT'],
    [stderrClosed, 'STDERR'],
  ] as const) {
    if (!(await within(closed)).done) {
      const message = `Script at specified location: ${script.location} failed to close ${name}`;
      run.agentLog('error', message);
      closePipes();
      throw failure('OutputsLeftOpen', message);
    }
  }
  if (exit.value !== 0) {
    // A script killed by a signal has no exit status; Ruby prints nil as an empty string.
    throw failure('ScriptFailed', `${prefix} failed with exit code ${exit.value ?? ''}`);
  }
}

/** Ruby's `File.executable?`, which for root means any execute bit. */
function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `stream.each_line { |line| log_script(tag + line) }`: resolves when the stream closes. */
function streamLines(stream: NodeJS.ReadableStream, tag: string, log: ScriptLog): Promise<void> {
  return new Promise((resolveClosed) => {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        log.write(`${tag}${pending.slice(0, newline + 1)}`);
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
    });
    const finish = () => {
      if (pending !== '') log.write(`${tag}${pending}`);
      pending = '';
      resolveClosed();
    };
    stream.once('end', finish);
    stream.once('close', finish);
    stream.once('error', finish);
  });
}
