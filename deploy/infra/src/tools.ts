import { spawn, spawnSync } from 'node:child_process';

export interface ToolRun {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs an external tool the pipeline tests drive for real (cfn-lint, shellcheck, aws, bash).
 * A missing tool is an error that names it — the tests fail, they never skip.
 */
export function runTool(
  command: string,
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): ToolRun {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    input: options.input,
    env: options.env ?? process.env,
    cwd: options.cwd,
    timeout: options.timeoutMs ?? 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'is not installed (not on PATH)' : `could not run: ${result.error.message}`;
    throw new Error(`${command} ${why}; the pipeline tests need it`);
  }
  if (result.status === null) throw new Error(`${command} ${args.join(' ')} was killed by ${result.signal}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * runTool without blocking the event loop: for tools that talk to a server this test process runs.
 */
export function runToolAsync(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `${command} ${error.code === 'ENOENT' ? 'is not installed (not on PATH)' : error.message}; the pipeline tests need it`,
        ),
      ),
    );
    child.once('close', (status, signal) =>
      status === null
        ? reject(new Error(`${command} ${args.join(' ')} was killed by ${signal}`))
        : resolve({ status, stdout, stderr }),
    );
  });
}
