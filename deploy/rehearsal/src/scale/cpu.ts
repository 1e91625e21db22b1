import { CLOCK_TICKS_PER_SECOND, mountNamespace, readProcStat } from '../proc.js';

/**
 * An instance's CPUUtilization, measured rather than made up: the CPU time the kernel accounts to the
 * instance's processes (utime + stime in /proc/PID/stat) over a period, as a percentage of the
 * instance's vCPUs. An instance's processes are those in its mount namespace — its agent, the hooks and
 * services they start, anything run inside it — so HAProxy, the load and the rehearsal itself are not
 * counted. Like EC2's metric it cannot exceed 100 %. A process that starts and exits between two
 * samples is missed; one that exits after a sample loses its last partial period.
 */
export class InstanceCpu {
  /** Ticks each process had used at the last sample, by pid and start time (so a reused pid is new). */
  private ticks = new Map<string, number>();
  private sampledAt: number | undefined;

  private constructor(
    private readonly namespace: string,
    private readonly vcpus: number,
  ) {}

  /** The instance whose agent is `agentPid`; `vcpus` is its size (1: a t-class instance's one busy vCPU). */
  static async of(agentPid: number, vcpus = 1): Promise<InstanceCpu> {
    const namespace = await mountNamespace(agentPid);
    if (namespace === undefined) throw new Error(`the instance's agent (pid ${agentPid}) is not running`);
    return new InstanceCpu(namespace, vcpus);
  }

  /**
   * The utilization since the previous sample, in percent; undefined the first time (no period yet).
   * `processes` is one scan of /proc (processesByMountNamespace), shared by the instances sampled together.
   */
  async sample(processes: Map<string, number[]>): Promise<number | undefined> {
    const now = performance.now();
    const previous = this.ticks;
    const current = new Map<string, number>();
    let used = 0;
    for (const pid of processes.get(this.namespace) ?? []) {
      const stat = await readProcStat(pid);
      if (stat === undefined) continue;
      const key = `${pid}:${stat.startTicks}`;
      const total = stat.utimeTicks + stat.stimeTicks;
      current.set(key, total);
      // A process first seen now started during the period: all its time is the period's.
      used += total - (previous.get(key) ?? 0);
    }
    this.ticks = current;
    const since = this.sampledAt;
    this.sampledAt = now;
    if (since === undefined) return undefined;
    const seconds = (now - since) / 1000;
    return Math.min(100, (used / CLOCK_TICKS_PER_SECOND / seconds / this.vcpus) * 100);
  }
}
