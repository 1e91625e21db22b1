import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@dealership/test-kit';
import { Client } from './client.js';
import { contractCheck } from './contract.js';
import { GiveUp, waitUntil } from './wait-until.js';

const execFileAsync = promisify(execFile);

/** The `service/` workspace folder (this file lives in service/test/kit/). */
export const SERVICE_DIR = resolve(import.meta.dirname, '..', '..');
const REPOSITORY_DIR = resolve(SERVICE_DIR, '..');
const MAIN = resolve(SERVICE_DIR, 'dist', 'main.js');

export interface ExitResult {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The built service (`node dist/main.js`, or `npm start`) running as its own process. */
export interface ServiceProcess {
  readonly baseUrl: string;
  /** The process's id; with `via: 'npm start'` the outermost npm's, which leads its own process group. */
  readonly pid: number;
  /** The admin bearer token the service was started with (`DEALERSHIP_ADMIN_TOKEN`). */
  readonly adminToken: string;
  /** Signed in with the admin token; holds every response to the OpenAPI document. */
  readonly admin: Client;
  /** Everything the process wrote to stdout and stderr so far. */
  logs(): string;
  /** Waits until the output holds `pattern` (the service writes its log in batches, within a second). */
  untilLogged(pattern: string | RegExp): Promise<void>;
  /** Resolves when the process exits. */
  readonly exited: Promise<ExitResult>;
  /** Sends SIGTERM and waits for the exit (SIGKILL after `timeoutMs`, then fails). */
  stop(timeoutMs?: number): Promise<ExitResult>;
}

export interface SpawnOptions {
  env: Record<string, string>;
  /** Write stdout and stderr to this file instead of keeping them in memory (for long runs). */
  logFile?: string;
  /**
   * `node` (default): `node dist/main.js`. `npm start`: the repository's `npm start` (npm → npm -w service →
   * scripts/run.sh → node), as a terminal or systemd runs it, in a process group of its own.
   */
  via?: 'node' | 'npm start';
  /** Wait until `/health/ready` answers 200 (default), or only until the port answers at all. */
  waitFor?: 'ready' | 'listening';
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

/** A minimal environment: the service must not depend on anything of the test runner's. */
function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
}

/**
 * Spawns the built service on a free port of 127.0.0.1 with `env` on top of a minimal environment,
 * and resolves once it is ready (or listening).
 */
export async function spawnServiceProcess({
  env,
  logFile,
  via = 'node',
  waitFor = 'ready',
}: SpawnOptions): Promise<ServiceProcess> {
  assertBuilt();
  const port = await freePort();
  const adminToken = env.DEALERSHIP_ADMIN_TOKEN ?? `test-admin-${randomBytes(16).toString('hex')}`;
  const logFd = logFile === undefined ? undefined : openSync(logFile, 'a');
  const [command, args, cwd] =
    via === 'node' ? [process.execPath, [MAIN], SERVICE_DIR] : ['npm', ['start', '--silent'], REPOSITORY_DIR];
  const child = spawn(command, args, {
    cwd,
    env: {
      ...baseEnv(),
      LOG_LEVEL: 'warn',
      DEALERSHIP_COMMIT: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      DEALERSHIP_ADMIN_TOKEN: adminToken,
      // Tests stop services often; the shutdown tests set their own drain.
      SHUTDOWN_DRAIN_MS: '0',
      ...env,
    },
    stdio: logFile === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', logFd, logFd],
    detached: via === 'npm start',
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
  const probe = new Client(baseUrl);
  try {
    await waitUntil(
      `${baseUrl}/health/ready`,
      async () => {
        if (child.exitCode !== null) {
          throw new GiveUp(`service exited with ${child.exitCode} before it was ready; logs:\n${output()}`);
        }
        const response = await probe.get('/health/ready');
        return response.status === 200 || waitFor === 'listening' ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
  const document = (await probe.get('/openapi.json')).body;
  return {
    baseUrl,
    pid: child.pid ?? -1,
    adminToken,
    admin: new Client(baseUrl, adminToken, contractCheck(document)),
    logs: output,
    untilLogged: async (pattern) => {
      await waitUntil(
        `the log line ${String(pattern)}`,
        async () => {
          const text = output();
          return (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)) || undefined;
        },
        { timeoutMs: 5_000 },
      );
    },
    exited,
    async stop(timeoutMs = 15_000) {
      const signal = (name: NodeJS.Signals) =>
        via === 'npm start' ? process.kill(-(child.pid ?? 0), name) : child.kill(name);
      if (child.exitCode === null && child.signalCode === null) signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      if (result.signal === 'SIGKILL') {
        throw new Error(`service did not exit within ${timeoutMs} ms of SIGTERM; logs:\n${output()}`);
      }
      return result;
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/ENTRY.js ARGS` (`main`, `cli/migrate`, `cli/token`) with only `env`; never throws. */
export async function runBuilt(
  entry: string,
  args: string[],
  env: Record<string, string>,
): Promise<CliResult> {
  assertBuilt();
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      [resolve(SERVICE_DIR, 'dist', `${entry}.js`), ...args],
      { cwd: SERVICE_DIR, env: { ...baseEnv(), ...env }, timeout: 60_000 },
    );
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
