import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { runTool, type ToolRun } from './tools.js';

/** A free TCP port on 127.0.0.1 (the OS picks it; other test runs share this machine). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface Moto {
  endpoint: string;
  /** The environment that points the aws CLI (and the pipeline scripts) at this server. */
  env: NodeJS.ProcessEnv;
  aws(...args: string[]): ToolRun;
  stop(): Promise<void>;
}

/** Starts `python3 -m moto.server` on a free loopback port and waits until it answers. */
export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`moto server exited (${child.exitCode}): ${stderr.slice(-2000)}`);
    try {
      await fetch(`${endpoint}/moto-api/`);
      break;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`moto server did not answer on ${endpoint}: ${stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
  };
  return {
    endpoint,
    env,
    aws: (...args) => {
      const run = runTool('aws', [...args, '--output', 'json'], { env });
      if (run.status !== 0) throw new Error(`aws ${args.join(' ')} failed: ${run.stderr}`);
      return run;
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
