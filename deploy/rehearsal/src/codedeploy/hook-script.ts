import { spawn } from 'node:child_process';
import { appendFile } from 'node:fs/promises';

export interface HookRun {
  script: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  timeoutSeconds: number;
  /** The agent's deployment log; the script's output is appended to it. */
  logFile: string;
}

export class HookFailure extends Error {
  constructor(
    readonly script: string,
    readonly reason: string,
    readonly output: string,
  ) {
    const tail = output.trim().split('\n').slice(-8).join('\n');
    super(`${script} ${reason}${tail ? `; its last output:\n${tail}` : ''}`);
    this.name = 'HookFailure';
  }
}

/**
 * Runs one lifecycle hook script as the CodeDeploy agent does: executed directly, in its own process
 * group, which is killed (SIGKILL) when the script overruns its appspec timeout.
 */
export async function runHookScript(hook: HookRun): Promise<void> {
  const child = spawn(hook.script, [], {
    cwd: hook.cwd,
    env: hook.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, hook.timeoutSeconds * 1000);
  const outcome = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve, reject) => {
      child.once('error', (error) =>
        reject(new HookFailure(hook.script, `could not start: ${error.message}`, '')),
      );
      // 'exit', not 'close': a process the script started in the background may keep its pipes open.
      child.once('exit', (code, signal) => resolve({ code, signal }));
    },
  ).finally(() => clearTimeout(timer));
  await appendFile(hook.logFile, `[${hook.env.LIFECYCLE_EVENT}] ${hook.script}\n${output}`);
  if (timedOut)
    throw new HookFailure(hook.script, `timed out after ${hook.timeoutSeconds} s and was killed`, output);
  if (outcome.code !== 0) {
    throw new HookFailure(hook.script, `exited with ${outcome.code ?? outcome.signal}`, output);
  }
}
