import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { primaryGroupId, SERVICE_ACCOUNT, userId } from '../accounts.js';
import { REHEARSAL_DIST } from '../paths.js';
import type { RehearsalInstance } from '../rehearsal.js';

export interface BurnerOptions {
  /**
   * Busy threads (`stress --cpu N`). One keeps an idle machine's core busy; on a shared one it gets only
   * its share of the cores, so a few are needed to keep a one-vCPU instance above the target.
   */
  threads: number;
  /** It stops by itself after this long, whatever happens to the rehearsal. */
  maxSeconds: number;
}

/**
 * A bounded CPU burner (burn-cli.ts) running inside an instance: entered into its agent's mount
 * namespace with nsenter, as the service account, so its CPU is the instance's as the metric counts it
 * (cpu.ts) — the way the original project ran `stress --cpu` on an instance.
 */
export class CpuBurner {
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static async start(instance: RehearsalInstance, options: BurnerOptions): Promise<CpuBurner> {
    const child = spawn(
      'nsenter',
      [
        `--target=${instance.agent.pid}`,
        '--mount',
        `--setuid=${userId(SERVICE_ACCOUNT)}`,
        `--setgid=${primaryGroupId(SERVICE_ACCOUNT)}`,
        '--',
        process.execPath,
        join(REHEARSAL_DIST, 'scale', 'burn-cli.js'),
        `--threads=${options.threads}`,
        `--seconds=${options.maxSeconds}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], cwd: '/' },
    );
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) => reject(new Error(`cannot run nsenter: ${error.message}`)));
    });
    const burner = new CpuBurner(child);
    child.once('exit', (code) => {
      if (code !== 0 && code !== null) console.error(`the CPU burner exited with ${code}: ${stderr.trim()}`);
    });
    return burner;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Stops it (SIGTERM) and waits until it has exited. */
  async stop(): Promise<void> {
    if (this.running) this.child.kill('SIGTERM');
    await this.exited;
  }
}
