/**
 * The one moto launcher, for the actions' end-to-end tests and the infrastructure's pipeline tests:
 * `python3 -m moto.server` on a free 127.0.0.1 port, the environment a process (a built action, the
 * aws CLI) needs to talk to it, and the client configuration for the test itself. A `front` (the
 * actions' sim/moto-proxy.ts, which answers as AWS does where moto falls short) can stand between
 * the callers and moto; it runs in the test's own process, so a test that blocks its event loop
 * (spawnSync) must not ask for one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from './loopback.js';

export const MOTO_REGION = 'us-east-1';

/** A server in front of moto: where callers reach it, and how to stop it. */
export interface MotoFront {
  endpoint: string;
  close(): Promise<void>;
}

export interface MotoServer {
  endpoint: string;
  /**
   * Environment for another process (a built action, the aws CLI): endpoint, fake credentials,
   * region, and no shared config or credentials files or pager that could point it elsewhere.
   */
  env: Record<string, string>;
  /** Configuration for SDK clients in the test: `new EC2Client(moto.clientConfig)`. */
  clientConfig: {
    region: string;
    endpoint: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  /** Forgets every resource (moto's reset API), for a clean slate between tests. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

async function waitUntilServing(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto did not answer on ${endpoint} within ${timeoutMs} ms`);
}

/** Starts moto (and its `front`, if given); tries another port if the first one was taken in the meantime. */
export async function startMoto(
  options: { front?: (motoEndpoint: string) => Promise<MotoFront> } = {},
): Promise<MotoServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const motoEndpoint = `http://127.0.0.1:${port}`;
    const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    try {
      await waitUntilServing(motoEndpoint, child, 30_000);
    } catch (error) {
      child.kill('SIGKILL');
      lastError = new Error(`${(error as Error).message}\n${stderr}`);
      continue;
    }
    const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
    const front = options.front ? await options.front(motoEndpoint) : undefined;
    const endpoint = front?.endpoint ?? motoEndpoint;
    return {
      endpoint,
      env: {
        AWS_ENDPOINT_URL: endpoint,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_REGION: MOTO_REGION,
        AWS_DEFAULT_REGION: MOTO_REGION,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWS_PAGER: '',
      },
      clientConfig: { region: MOTO_REGION, endpoint, credentials },
      reset: async () => {
        const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
        if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
      },
      stop: async () => {
        await front?.close();
        if (child.exitCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      },
    };
  }
  throw lastError;
}
