import { type ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type HaproxyServer, type HealthCheck, renderHaproxyConfig } from './config.js';
import { RuntimeApi } from './runtime-api.js';

/** A HAProxy of our own, in `dir`, on 127.0.0.1:frontendPort; stopped by pid. */
export class Haproxy {
  private constructor(
    private readonly child: ChildProcess,
    readonly api: RuntimeApi,
    readonly url: string,
    readonly logFile: string,
  ) {}

  static async start(options: {
    dir: string;
    frontendPort: number;
    servers: readonly HaproxyServer[];
    check: HealthCheck;
  }): Promise<Haproxy> {
    const socketPath = join(options.dir, 'haproxy.sock');
    const configFile = join(options.dir, 'haproxy.cfg');
    const logFile = join(options.dir, 'haproxy.log');
    await writeFile(configFile, renderHaproxyConfig({ ...options, socketPath }));
    const log = openSync(logFile, 'a');
    // -db: stay in the foreground, so the process we hold is HAProxy itself.
    const child = spawn('haproxy', ['-db', '-f', configFile], { stdio: ['ignore', log, log] });
    const exited = new Promise<never>((_, reject) => {
      child.once('error', (error) => reject(new Error(`cannot run haproxy: ${error.message}`)));
      child.once('exit', (code) => reject(new Error(`haproxy exited with ${code}; see ${logFile}`)));
    });
    const api = new RuntimeApi(socketPath);
    const ready = (async () => {
      for (;;) {
        try {
          if ((await api.command('show info')).includes('Name: HAProxy')) return;
        } catch {
          // not listening yet
        }
        await sleep(25);
      }
    })();
    await Promise.race([ready, exited]);
    exited.catch(() => {});
    return new Haproxy(child, api, `http://127.0.0.1:${options.frontendPort}`, logFile);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
