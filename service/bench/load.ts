import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

/** What one autocannon run measured against one server process. Latencies in milliseconds. */
export interface LoadRun {
  readonly requests: number;
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
  /** Responses outside 2xx plus connection errors: a correct run has none. */
  readonly failures: number;
  readonly statusCounts: Record<string, number>;
  /** CPU time (user + system) the server process spent during the run. */
  readonly serverCpuMs: number;
}

/** Several runs of one scenario, condensed. */
export interface LoadSummary {
  readonly name: string;
  readonly requestsPerSecond: number;
  /** Median of the runs' medians. */
  readonly p50: number;
  /** The worst run's 99th percentile. */
  readonly p99: number;
  readonly requests: number;
  readonly failures: number;
  readonly statusCounts: Record<string, number>;
  /** Server CPU per request: unlike req/s, barely moved by other load on the machine. */
  readonly cpuMsPerRequest: number;
}

/** Linux reports process CPU time in clock ticks of 1/100 s (USER_HZ, 100 on every Linux ABI in use). */
const MS_PER_TICK = 10;

/** User + system CPU time of a process so far, from /proc/PID/stat. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) in parentheses; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
}

/** Runs autocannon in this process against the server with process id `serverPid`. */
export async function runLoad(serverPid: number, options: autocannon.Options): Promise<LoadRun> {
  const cpuBefore = processCpuMs(serverPid);
  const result = await autocannon(options);
  const serverCpuMs = processCpuMs(serverPid) - cpuBefore;
  const statusCounts: Record<string, number> = {};
  for (const [status, { count = 0 } = {}] of Object.entries(result.statusCodeStats ?? {})) {
    statusCounts[status] = count;
  }
  return {
    requests: result.requests.total,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors,
    statusCounts,
    serverCpuMs,
  };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

export function summarize(name: string, runs: LoadRun[]): LoadSummary {
  const sum = (pick: (run: LoadRun) => number) => runs.reduce((total, run) => total + pick(run), 0);
  const statusCounts: Record<string, number> = {};
  for (const run of runs) {
    for (const [status, count] of Object.entries(run.statusCounts)) {
      statusCounts[status] = (statusCounts[status] ?? 0) + count;
    }
  }
  const requests = sum((run) => run.requests);
  return {
    name,
    requestsPerSecond: requests / sum((run) => run.seconds),
    p50: median(runs.map((run) => run.p50)),
    p99: Math.max(...runs.map((run) => run.p99)),
    requests,
    failures: sum((run) => run.failures),
    statusCounts,
    cpuMsPerRequest: sum((run) => run.serverCpuMs) / Math.max(requests, 1),
  };
}
