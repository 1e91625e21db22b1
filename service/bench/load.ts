import autocannon from 'autocannon';

/** What one load run measured. Latencies in milliseconds. */
export interface LoadResult {
  readonly name: string;
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly total: number;
  /** Responses outside 2xx plus connection errors: a correct run has none. */
  readonly failures: number;
  readonly statusCounts: Record<string, number>;
}

export interface LoadOptions extends autocannon.Options {
  name: string;
}

/** Runs autocannon in this process and condenses its result. */
export async function runLoad({ name, ...options }: LoadOptions): Promise<LoadResult> {
  const result = await autocannon(options);
  const statusCounts: Record<string, number> = {};
  for (const [status, { count = 0 } = {}] of Object.entries(result.statusCodeStats ?? {})) {
    statusCounts[status] = count;
  }
  return {
    name,
    // Completed responses over the wall time: right for fixed-amount runs that end early too.
    requestsPerSecond: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    failures: result.non2xx + result.errors,
    statusCounts,
  };
}
