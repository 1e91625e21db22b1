import type { LoadSummary } from './load.js';

export interface BenchResults {
  baselineRead: LoadSummary;
  serviceRead: LoadSummary;
  serviceSales: LoadSummary;
}

export interface BenchContext {
  cpus: string;
  node: string;
  poolSize: number;
  connections: number;
  /** The 1-minute load average when the run ended: other work on the machine skews req/s. */
  loadAverage: number;
}

/** Service read throughput should reach this share of the bare baseline's. */
export const READ_RATIO_GOAL = 0.8;
/** Server CPU per list request should be at most this multiple of the baseline's (issue 11). */
export const CPU_RATIO_GOAL = 1.25;

const COLUMNS: [heading: string, width: number, cell: (row: LoadSummary) => string][] = [
  ['scenario', -30, (row) => row.name],
  ['req/s', 9, (row) => row.requestsPerSecond.toFixed(0)],
  ['p50 ms', 9, (row) => String(row.p50)],
  ['p99 ms', 9, (row) => String(row.p99)],
  ['CPU ms/req', 12, (row) => row.cpuMsPerRequest.toFixed(2)],
  ['requests', 10, (row) => String(row.requests)],
  ['failed', 8, (row) => String(row.failures)],
];

const line = (cells: string[]) =>
  cells
    .map((cell, i) => {
      const width = COLUMNS[i]?.[1] ?? 0;
      return width < 0 ? cell.padEnd(-width) : cell.padStart(width);
    })
    .join('');

/** Prints the figures; returns true when a run had failed requests (the figures are then void). */
export function printResults(results: BenchResults, context: BenchContext): boolean {
  const rows = [results.baselineRead, results.serviceRead, results.serviceSales];
  console.log('');
  console.log(
    `${new Date().toISOString()} · ${context.cpus} · Node ${context.node} · pool ${context.poolSize} · ` +
      `${context.connections} read connections · load average ${context.loadAverage.toFixed(1)}`,
  );
  console.log(line(COLUMNS.map(([heading]) => heading)));
  for (const row of rows) console.log(line(COLUMNS.map(([, , cell]) => cell(row))));

  const ratio = results.serviceRead.requestsPerSecond / results.baselineRead.requestsPerSecond;
  const cpuRatio = results.serviceRead.cpuMsPerRequest / results.baselineRead.cpuMsPerRequest;
  const verdict = (met: boolean) => (met ? 'goal met' : 'GOAL MISSED');
  console.log(
    `server CPU per read, service/baseline: ${cpuRatio.toFixed(2)} (goal ≤ ${CPU_RATIO_GOAL}: ${verdict(cpuRatio <= CPU_RATIO_GOAL)})`,
  );
  console.log(
    `read throughput service/baseline: ${ratio.toFixed(2)} (goal ≥ ${READ_RATIO_GOAL}: ${verdict(ratio >= READ_RATIO_GOAL)})`,
  );

  const failedRuns = rows.filter((row) => row.failures > 0);
  for (const row of failedRuns) {
    console.error(
      `${row.name}: ${row.failures} failed requests, statuses ${JSON.stringify(row.statusCounts)}`,
    );
  }
  return failedRuns.length > 0;
}
