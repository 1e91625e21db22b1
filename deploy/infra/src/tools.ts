import { spawnSync } from 'node:child_process';

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
