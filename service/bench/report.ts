import type { LoadResult } from './load.js';

export interface BenchResults {
  baselineRead: LoadResult;
  serviceRead: LoadResult;
  serviceSales: LoadResult;
}

export interface BenchContext {
  cpus: string;
  node: string;
  poolSize: number;
  connections: number;
}

/** Service read throughput must reach this share of the bare baseline's. */
export const READ_RATIO_GOAL = 0.8;

const pad = (value: string, width: number) => value.padStart(width);

/** Prints the figures; returns true when a run had failed requests (the figures are then void). */
export function printResults(results: BenchResults, context: BenchContext): boolean {
  const rows = [results.baselineRead, results.serviceRead, results.serviceSales];
  console.log('');
  console.log(
    `${new Date().toISOString()} · ${context.cpus} · Node ${context.node} · pool ${context.poolSize} · ${context.connections} read connections`,
  );
  console.log(
    `${'scenario'.padEnd(30)}${pad('req/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('requests', 10)}${pad('failed', 8)}`,
  );
  for (const row of rows) {
    console.log(
      `${row.name.padEnd(30)}${pad(row.requestsPerSecond.toFixed(0), 10)}${pad(String(row.p50), 9)}${pad(String(row.p99), 9)}${pad(String(row.total), 10)}${pad(String(row.failures), 8)}`,
    );
  }
  const ratio = results.serviceRead.requestsPerSecond / results.baselineRead.requestsPerSecond;
  const verdict = ratio >= READ_RATIO_GOAL ? 'goal met' : 'BELOW GOAL';
  console.log(
    `read throughput service/baseline: ${ratio.toFixed(2)} (goal ≥ ${READ_RATIO_GOAL}: ${verdict})`,
  );

  const failedRuns = rows.filter((row) => row.failures > 0);
  for (const row of failedRuns) {
    console.error(
      `${row.name}: ${row.failures} failed requests, statuses ${JSON.stringify(row.statusCounts)}`,
    );
  }
  return failedRuns.length > 0;
}
