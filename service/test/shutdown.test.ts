import { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from './harness/http-client.js';
import { type ServiceProcess, startService } from './harness/service-process.js';
import { createTestDatabase, type TestDatabase } from './harness/test-database.js';

const DRAIN_MS = 2000;
/** Like an ALB that has seen the failing health checks, clients stop sending shortly before the drain ends. */
const CLIENTS_STOP_AFTER_MS = DRAIN_MS - 400;

interface Outcome {
  path: string;
  keepAlive: boolean;
  startedAt: number;
  status?: number;
  error?: string;
}

describe('SIGTERM under load', () => {
  let database: TestDatabase;
  let service: ServiceProcess;

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startService({
      env: { DATABASE_URL: database.url, SHUTDOWN_DRAIN_MS: String(DRAIN_MS) },
    });
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    await database?.drop();
  });

  it('turns not-ready at once, serves every request during the drain, then exits 0', async () => {
    const keepAliveAgent = new Agent({ keepAlive: true, maxSockets: 4 });
    const outcomes: Outcome[] = [];
    let stopAt = Number.POSITIVE_INFINITY;

    // Four clients on reused keep-alive sockets and four opening a new connection per request.
    const client = async (keepAlive: boolean, path: string): Promise<void> => {
      while (Date.now() < stopAt) {
        const outcome: Outcome = { path, keepAlive, startedAt: Date.now() };
        outcomes.push(outcome);
        try {
          const response = await request('GET', `${service.baseUrl}${path}`, {
            agent: keepAlive ? keepAliveAgent : undefined,
          });
          outcome.status = response.status;
        } catch (error) {
          outcome.error = (error as Error).message;
        }
      }
    };
    const paths = ['/cars?limit=20', '/health/live', '/version', '/cars?limit=5&offset=1'];
    const clients = paths.flatMap((path) => [client(true, path), client(false, path)]);

    await sleep(500);
    const before = outcomes.filter((outcome) => outcome.status === 200).length;
    const sigtermAt = Date.now();
    stopAt = sigtermAt + CLIENTS_STOP_AFTER_MS;
    process.kill(service.pid, 'SIGTERM');

    const ready = await request<{ status: string }>('GET', `${service.baseUrl}/health/ready`);
    const readyAnsweredAfterMs = Date.now() - sigtermAt;
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'draining' });
    expect(readyAnsweredAfterMs).toBeLessThan(DRAIN_MS / 2);

    await Promise.all(clients);
    const exit = await service.exited;
    const exitedAfterMs = Date.now() - sigtermAt;
    keepAliveAgent.destroy();

    const failed = outcomes.filter((outcome) => outcome.status !== 200);
    expect(failed, service.logs()).toEqual([]);
    expect(before).toBeGreaterThan(20);
    const duringDrain = outcomes.filter((outcome) => outcome.startedAt >= sigtermAt);
    expect(duringDrain.filter((outcome) => outcome.keepAlive).length).toBeGreaterThanOrEqual(5);
    expect(duringDrain.filter((outcome) => !outcome.keepAlive).length).toBeGreaterThanOrEqual(5);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(exitedAfterMs).toBeGreaterThanOrEqual(DRAIN_MS);
    expect(exitedAfterMs).toBeLessThan(DRAIN_MS + 5000);
  }, 30_000);
});
