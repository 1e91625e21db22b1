import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { unusedPort } from '../support/free-port.js';
import { request } from './http-client.js';
import { GiveUp, waitUntil } from './wait-until.js';

const execFileAsync = promisify(execFile);

/** The `service/` workspace folder (this file lives in service/test/harness/). */
export const SERVICE_DIR = resolve(import.meta.dirname, '..', '..');
const MAIN = resolve(SERVICE_DIR, 'dist', 'main.js');
const MIGRATE_CLI = resolve(SERVICE_DIR, 'dist', 'cli', 'migrate.js');

export interface ExitResult {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  readonly baseUrl: string;
  readonly pid: number;
  /** The admin bearer token the service was started with (`DEALERSHIP_ADMIN_TOKEN`). */
  readonly adminToken: string;
  /** Everything the process wrote to stdout and stderr so far. */
  logs(): string;
  /** Resolves when the process exits. */
  readonly exited: Promise<ExitResult>;
  /** Sends SIGTERM and waits for the exit (SIGKILL after `timeoutMs`, then fails). */
  stop(timeoutMs?: number): Promise<ExitResult>;
}

export interface StartOptions {
  env: Record<string, string>;
  /** Write stdout and stderr to this file instead of keeping them in memory (for long runs). */
  logFile?: string;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function assertBuilt(): void {
  if (!existsSync(MAIN)) {
    throw new Error(`${MAIN} is missing: build the service first (npm run build -w service)`);
  }
}

/**
 * Spawns `node dist/main.js` on a free port of 127.0.0.1 with `env` on top of a minimal environment,
 * and resolves once `GET /health/ready` answers 200.
 */
export async function startService({ env, logFile }: StartOptions): Promise<ServiceProcess> {
  assertBuilt();
  const port = await unusedPort();
  const adminToken = env.DEALERSHIP_ADMIN_TOKEN ?? `test-admin-${randomBytes(16).toString('hex')}`;
  const logFd = logFile === undefined ? undefined : openSync(logFile, 'a');
  const child = spawn(process.execPath, [MAIN], {
    cwd: SERVICE_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      LOG_LEVEL: 'warn',
      DEALERSHIP_COMMIT: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      DEALERSHIP_ADMIN_TOKEN: adminToken,
      // Tests stop services often; the shutdown test sets its own drain.
      SHUTDOWN_DRAIN_MS: '0',
      ...env,
    },
    stdio: logFile === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', logFd, logFd],
  });
  if (logFd !== undefined) closeSync(logFd);
  running.add(child);
  let captured = '';
  const capture = (chunk: Buffer) => {
    captured += chunk.toString('utf8');
  };
  child.stdout?.on('data', capture);
  child.stderr?.on('data', capture);
  const output = (): string =>
    logFile === undefined ? captured : readFileSync(logFile, 'utf8').slice(-20_000);
  const exited = once(child, 'exit').then(([code, signal]) => {
    running.delete(child);
    return { code, signal } as ExitResult;
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const service: ServiceProcess = {
    baseUrl,
    pid: child.pid ?? -1,
    adminToken,
    logs: output,
    exited,
    async stop(timeoutMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      if (result.signal === 'SIGKILL') {
        throw new Error(`service did not exit within ${timeoutMs} ms of SIGTERM; logs:\n${output()}`);
      }
      return result;
    },
  };
  try {
    await waitUntil(
      `${baseUrl}/health/ready`,
      async () => {
        if (child.exitCode !== null) {
          throw new GiveUp(`service exited with ${child.exitCode} before it was ready; logs:\n${output()}`);
        }
        const response = await request('GET', `${baseUrl}/health/ready`);
        return response.status === 200 ? true : undefined;
      },
      { timeoutMs: 30_000 },
    );
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
  return service;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli/migrate.js ARGS` with `DATABASE_URL` (exit code, never throws on failure). */
export async function runMigrate(args: string[], databaseUrl: string): Promise<CliResult> {
  assertBuilt();
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [MIGRATE_CLI, ...args], {
      cwd: SERVICE_DIR,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, LOG_LEVEL: 'info' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}
