import { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDatabase, type MysqlDatabase } from './kit/databases.js';
import { type ServiceProcess, spawnServiceProcess } from './kit/service-process.js';
import { waitUntil } from './kit/wait-until.js';

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

/**
 * `npm start` as a terminal or systemd runs it: npm → npm -w service → scripts/run.sh → node, all in one
 * process group. Ctrl-C, or systemd's default KillMode=control-group, signals every process of the group,
 * and each npm forwards the signal to its child as well, so the service gets the signal several times.
 */
describe('SIGTERM to the process group of `npm start`, under load', () => {
  let database: MysqlDatabase;
  let service: ServiceProcess;

  beforeAll(async () => {
    database = await createMysqlDatabase();
    service = await spawnServiceProcess({
      via: 'npm start',
      env: { DATABASE_URL: database.url, SHUTDOWN_DRAIN_MS: String(DRAIN_MS), LOG_LEVEL: 'info' },
    });
  }, 90_000);

  afterAll(async () => {
    await service?.stop();
    await database?.drop();
  });

  it('turns not-ready at once, serves every request through repeated signals, then npm exits 0', async () => {
    const keepAliveAgent = new Agent({ keepAlive: true, maxSockets: 4 });
    const outcomes: Outcome[] = [];
    let stopAt = Number.POSITIVE_INFINITY;
    const signalGroup = (signal: NodeJS.Signals) => process.kill(-service.pid, signal);

    // Four clients on reused keep-alive sockets and four opening a new connection per request.
    const client = async (keepAlive: boolean, path: string): Promise<void> => {
      while (Date.now() < stopAt) {
        const outcome: Outcome = { path, keepAlive, startedAt: Date.now() };
        outcomes.push(outcome);
        try {
          const response = await service.admin.get(path, { agent: keepAlive ? keepAliveAgent : undefined });
          outcome.status = response.status;
        } catch (error) {
          outcome.error = (error as Error).message;
        }
      }
    };
    const paths = ['/cars?limit=20', '/health/live', '/version', '/cars?limit=5&offset=1'];
    const clients = paths.flatMap((path) => [client(true, path), client(false, path)]);

    await waitUntil('20 answered requests', async () =>
      outcomes.filter((outcome) => outcome.status === 200).length >= 20 ? true : undefined,
    );
    const signalledAt = Date.now();
    stopAt = signalledAt + CLIENTS_STOP_AFTER_MS;
    signalGroup('SIGTERM');

    const ready = await service.admin.get<{ status: string }>('/health/ready');
    const readyAnsweredAfterMs = Date.now() - signalledAt;
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'draining' });
    expect(readyAnsweredAfterMs).toBeLessThan(DRAIN_MS / 2);

    // A second Ctrl-C, and a supervisor that signals again, must not cut the drain short.
    await sleep(300);
    signalGroup('SIGINT');
    await sleep(300);
    signalGroup('SIGTERM');

    await Promise.all(clients);
    const exit = await service.exited;
    const exitedAfterMs = Date.now() - signalledAt;
    keepAliveAgent.destroy();

    const failed = outcomes.filter((outcome) => outcome.status !== 200);
    expect(failed, service.logs()).toEqual([]);
    const duringDrain = outcomes.filter((outcome) => outcome.startedAt >= signalledAt);
    expect(duringDrain.filter((outcome) => outcome.keepAlive).length).toBeGreaterThanOrEqual(5);
    expect(duringDrain.filter((outcome) => !outcome.keepAlive).length).toBeGreaterThanOrEqual(5);
    expect(exit, service.logs()).toEqual({ code: 0, signal: null });
    expect(exitedAfterMs).toBeGreaterThanOrEqual(DRAIN_MS);
    expect(exitedAfterMs).toBeLessThan(DRAIN_MS + 10_000);
    expect(service.logs()).toContain('signal received again while draining');
    // The drain's 503s are the drain working, not errors.
    const errorLines = service
      .logs()
      .split('\n')
      .filter((line) => line.startsWith('{') && JSON.parse(line).level >= 50);
    expect(errorLines).toEqual([]);
  }, 90_000);
});
