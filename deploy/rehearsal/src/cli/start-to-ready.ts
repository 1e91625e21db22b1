import { setTimeout as sleep } from 'node:timers/promises';
import { ageMs, readProcStat } from '../proc.js';
import type { RehearsalInstance } from '../rehearsal.js';

const UNIT = 'dealership.service';
const POLL_MS = 20;

export interface StartToReady {
  instance: string;
  pid: number;
  /** From the kernel starting the service's process to its first 200 on /health/ready. */
  ms: number;
}

/**
 * Watches instances for a service process started after the watch began (the supervisor's pid file)
 * and times it from the kernel's start time (/proc/PID/stat, 10 ms ticks, against /proc/uptime) to its first 200 on
 * /health/ready, asked directly every 20 ms — what a balancer cannot see sooner.
 */
export class StartToReadyWatch {
  readonly results: StartToReady[] = [];
  private readonly seen = new Set<number>();
  private stopped = false;
  private readonly loop: Promise<void>;

  private constructor(
    private readonly instances: readonly RehearsalInstance[],
    running: number[],
  ) {
    for (const pid of running) this.seen.add(pid);
    this.loop = this.run();
  }

  /** Starts watching; the services running now are not counted. */
  static async start(instances: readonly RehearsalInstance[]): Promise<StartToReadyWatch> {
    const running = await Promise.all(instances.map((instance) => instance.supervisor.mainPid(UNIT)));
    return new StartToReadyWatch(
      instances,
      running.filter((pid) => pid !== undefined),
    );
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await Promise.all(this.instances.map((instance) => this.check(instance)));
      await sleep(POLL_MS);
    }
  }

  private async check(instance: RehearsalInstance): Promise<void> {
    const pid = await instance.supervisor.mainPid(UNIT);
    if (pid === undefined || this.seen.has(pid)) return;
    const stat = await readProcStat(pid);
    if (stat === undefined) return;
    const ready = await fetch(`${instance.url}/health/ready`, { signal: AbortSignal.timeout(1000) }).then(
      (response) => response.status === 200,
      () => false,
    );
    if (!ready) return;
    // Its age when it answered: start time and uptime are on the same clock (not btime, whole seconds).
    const ms = await ageMs(stat);
    this.seen.add(pid);
    this.results.push({ instance: instance.name, pid, ms });
  }

  async stop(): Promise<StartToReady[]> {
    this.stopped = true;
    await this.loop;
    return this.results;
  }
}
