import { Agent, request } from 'node:http';

export interface LoadOptions {
  /** The load balancer's URL. */
  url: string;
  ratePerSecond: number;
  /** Bearer token for the writes (an admin token the instances are configured with). */
  token: string;
  /** Requests in flight beyond this are not sent and count as failed: the load stays bounded. */
  maxInFlight?: number;
  timeoutMs?: number;
  /** More requests to mix in, one in every five, taken in turn (the upgrade rehearsal's reads and writes of every table). */
  extra?: readonly LoadRequest[];
}

/** A request mixed into the load's own cycle. */
export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  /** A fresh body for each request (so unique fields stay unique). */
  body?: () => unknown;
  expected: readonly number[];
}

export interface LoadReport {
  durationMs: number;
  sent: number;
  failed: number;
  /** Requests per kind: list cars, create a customer, read a created customer back, version. */
  byKind: Record<RequestKind, number>;
  /** The first few failures, each once, with a count and when it was first seen (ms after the load started). */
  failures: { reason: string; count: number; firstAtMs: number }[];
  /** Which commit answered /version through the load balancer, and how often. */
  commits: Record<string, number>;
  latencyMs: { p50: number; p99: number; max: number };
}

type RequestKind = 'listCars' | 'createCustomer' | 'readBack' | 'version' | 'extra';
const CYCLE: readonly RequestKind[] = ['listCars', 'createCustomer', 'version', 'readBack'];

interface Answer {
  status: number;
  body: string;
}

/**
 * A steady stream of reads and writes at a fixed rate of requests, half on kept-alive connections and
 * half on a new connection each. Anything but the expected 2xx, a timeout or a connection error is a
 * failure. Created customers are read back a moment later through the load balancer, so instances
 * that did not share one database would show up as failures.
 */
export class Load {
  // FIFO keeps every pooled connection busy, so none sits idle until the balancer closes it under a request.
  private readonly keepAlive = new Agent({ keepAlive: true, maxSockets: 16, scheduling: 'fifo' });
  // The monotonic clock: a step of the wall clock must not make a burst of requests look due.
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly latencies: number[] = [];
  private readonly failureCounts = new Map<string, { count: number; firstAtMs: number }>();
  private readonly report: Omit<LoadReport, 'durationMs' | 'failures' | 'latencyMs'> = {
    sent: 0,
    failed: 0,
    byKind: { listCars: 0, createCustomer: 0, readBack: 0, version: 0, extra: 0 },
    commits: {},
  };
  private tick = 0;
  /** Customers created and not yet read back. */
  private readonly created: number[] = [];
  private readonly cycle: readonly RequestKind[];
  private extraTurn = 0;

  constructor(private readonly options: LoadOptions) {
    if (!(options.ratePerSecond > 0 && options.ratePerSecond <= 5000)) {
      throw new Error(`load rate must be 1 to 5000 requests/s, got ${options.ratePerSecond}`);
    }
    this.cycle = options.extra?.length ? [...CYCLE, 'extra'] : CYCLE;
    const intervalMs = 1000 / options.ratePerSecond;
    // Catch up by the clock, so a slow event loop does not lower the rate.
    this.timer = setInterval(
      () => {
        const due = Math.floor((performance.now() - this.started) / intervalMs);
        while (this.tick < due) this.send(this.tick++);
      },
      Math.max(1, Math.min(intervalMs, 10)),
    );
  }

  private send(tick: number) {
    const limit = this.options.maxInFlight ?? 256;
    if (this.inFlight.size >= limit) {
      this.report.sent += 1;
      this.fail(`not sent: ${limit} requests already in flight`);
      return;
    }
    const kind = this.cycle[tick % this.cycle.length]!;
    const agent = tick % 2 === 0 ? this.keepAlive : false;
    const work = this.perform(kind, agent).finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }

  private async perform(kind: RequestKind, agent: Agent | false): Promise<void> {
    if (kind === 'listCars') {
      await this.call(kind, agent, 'GET', '/cars?limit=5', [200]);
    } else if (kind === 'version') {
      const answer = await this.call(kind, agent, 'GET', '/version', [200]);
      if (answer) {
        const commit = String((JSON.parse(answer.body) as { commit?: unknown }).commit);
        this.report.commits[commit] = (this.report.commits[commit] ?? 0) + 1;
      }
    } else if (kind === 'extra') {
      const extra = this.options.extra!;
      const next = extra[this.extraTurn++ % extra.length]!;
      await this.call(kind, agent, next.method, next.path, next.expected, next.body?.());
    } else if (kind === 'readBack') {
      // Through the load balancer, most likely from another instance than the one that wrote it.
      const id = this.created.shift();
      await this.call(
        kind,
        agent,
        'GET',
        id === undefined ? '/customers?limit=1' : `/customers/${id}`,
        [200],
      );
    } else {
      const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
      const created = await this.call(kind, agent, 'POST', '/customers', [201], {
        firstName: 'Rehearsal',
        lastName: `Load ${suffix}`,
        email: `load-${suffix}@example.com`,
        city: 'Springfield',
      });
      const id = created ? (JSON.parse(created.body) as { id?: unknown }).id : undefined;
      if (typeof id === 'number') this.created.push(id);
    }
  }

  private async call(
    kind: RequestKind,
    agent: Agent | false,
    method: string,
    path: string,
    expected: readonly number[],
    body?: unknown,
  ): Promise<Answer | undefined> {
    this.report.sent += 1;
    this.report.byKind[kind] += 1;
    const begun = performance.now();
    try {
      const answer = await this.http(agent, method, path, body);
      this.latencies.push(performance.now() - begun);
      if (!expected.includes(answer.status)) {
        this.fail(
          `${method} ${path.replace(/\/\d+$/, '/{id}')} → ${answer.status} ${answer.body.slice(0, 120)}`,
        );
        return undefined;
      }
      return answer;
    } catch (error) {
      this.fail(`${method} ${path.replace(/\/\d+$/, '/{id}')} → ${(error as Error).message}`);
      return undefined;
    }
  }

  private http(agent: Agent | false, method: string, path: string, body?: unknown): Promise<Answer> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, this.options.url),
        {
          method,
          agent,
          timeout: this.options.timeoutMs ?? 10_000,
          headers: {
            authorization: `Bearer ${this.options.token}`,
            ...(payload === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end(payload);
    });
  }

  private fail(reason: string) {
    this.report.failed += 1;
    const seen = this.failureCounts.get(reason);
    if (seen) seen.count += 1;
    else this.failureCounts.set(reason, { count: 1, firstAtMs: Date.now() - this.started });
  }

  /** Stops sending, waits for the requests in flight, and reports. */
  async stop(): Promise<LoadReport> {
    clearInterval(this.timer);
    const durationMs = performance.now() - this.started;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.keepAlive.destroy();
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const percentile = (p: number) =>
      Math.round((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0) * 10) / 10;
    return {
      ...this.report,
      durationMs,
      failures: [...this.failureCounts].slice(0, 10).map(([reason, seen]) => ({ reason, ...seen })),
      latencyMs: { p50: percentile(0.5), p99: percentile(0.99), max: percentile(1) },
    };
  }
}
