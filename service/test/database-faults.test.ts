import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, Reply } from './kit/client.js';
import { createCar, createCustomer, createSalesperson, saleBody } from './kit/fixtures.js';
import type { MariaDbPair, MariaDbServer } from './kit/mariadb.js';
import { type ReplicatedService, startReplicatedService } from './kit/replicated-service.js';
import type { ServiceProcess } from './kit/service-process.js';
import { waitUntil } from './kit/wait-until.js';

const QUERY_TIMEOUT_MS = 3_000;
const MAX_LAG_MS = 4_000;
/** The lag monitor looks once a second; a loaded machine adds its own delay. */
const SLACK_MS = 3_000;

/**
 * Each fault done to a real server the way it happens: replication stopping, a server freezing
 * (SIGSTOP) or dying (SIGKILL) while the service's queries are running on it. Reads retry elsewhere;
 * writes answer 503 with Retry-After and are never retried by the service.
 */
describe('database faults (real MariaDB primary and replica)', () => {
  let replicated: ReplicatedService;
  let pair: MariaDbPair;
  let database: string;
  let service: ServiceProcess;
  let api: Client;
  let probe: ReplicatedService['probe'];

  beforeAll(async () => {
    replicated = await startReplicatedService({
      DATABASE_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
      DATABASE_CONNECT_TIMEOUT_MS: '1500',
      DATABASE_ACQUIRE_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
      DATABASE_REPLICA_MAX_LAG_MS: String(MAX_LAG_MS),
      LOG_LEVEL: 'info',
    });
    ({ pair, database, service, probe } = replicated);
    api = service.admin;
  }, 90_000);

  afterAll(() => replicated?.stop());

  /** Holds every statement that touches `cars` on `server` until the lock's connection goes. */
  async function lockCars(server: MariaDbServer): Promise<void> {
    const connection = await createConnection({ uri: server.url(database) });
    connection.on('error', () => undefined);
    await connection.query('LOCK TABLES cars WRITE');
  }
  const waitingOnLock = async (server: MariaDbServer, count: number) =>
    waitUntil(`${count} queries waiting on the cars lock on ${server.name}`, async () => {
      const [row] = await server.query(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE STATE LIKE 'Waiting for table%'",
      );
      return Number(row?.n) >= count ? true : undefined;
    });
  const untilReady = () =>
    waitUntil(
      'the service ready again',
      async () => ((await api.get('/health/ready')).status === 200 ? true : undefined),
      { timeoutMs: 30_000 },
    );
  const expect503 = (reply: Reply) => {
    expect(reply.status, JSON.stringify(reply.body)).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('5');
  };

  it('keeps serving a lagging replica within the bound, skips it past the bound, and returns to it', async () => {
    await pair.pauseReplication();
    const stoppedAt = Date.now();
    const make = `Lag${Date.now()}`;
    await createCar(api, { make });
    const listed = async () => (await api.get(`/cars?make=${make}`)).body.total as number;
    // Within the bound the replica still serves, and it has not seen the car: a stale read, as documented.
    expect(await listed()).toBe(0);
    await waitUntil(
      'the car listed from the primary',
      async () => ((await listed()) === 1 ? true : undefined),
      {
        timeoutMs: MAX_LAG_MS + SLACK_MS + 5_000,
        intervalMs: 100,
      },
    );
    const skippedAfterMs = Date.now() - stoppedAt;
    expect(skippedAfterMs).toBeLessThan(MAX_LAG_MS + SLACK_MS);
    await service.untilLogged('read replica is too far behind; reading from the primary');
    await pair.resumeReplication();
    await probe.until(api, 'replica');
  }, 60_000);

  it('reads from the primary when the replica freezes, within the query timeout', async () => {
    pair.replica.freeze();
    try {
      const started = Date.now();
      expect(await probe.servedBy(api)).toBe('primary');
      expect(Date.now() - started).toBeLessThan(QUERY_TIMEOUT_MS + SLACK_MS);
    } finally {
      pair.replica.thaw();
    }
    try {
      await probe.until(api, 'replica');
    } catch (error) {
      console.log(
        service
          .logs()
          .split('\n')
          .filter((line) => !line.includes('"request"'))
          .slice(-30)
          .join('\n'),
      );
      throw error;
    }
  }, 60_000);

  it('answers every list from the primary when the replica dies while the lists run on it', async () => {
    await lockCars(pair.replica);
    const lists = Array.from({ length: 6 }, () => probe.servedBy(api));
    await waitingOnLock(pair.replica, 6);
    await pair.replica.kill();
    expect(await Promise.all(lists)).toEqual(Array(6).fill('primary'));
    await service.untilLogged('read replica unreachable; reading from the primary');
    await pair.replica.restart();
    await probe.until(api, 'replica', 30_000);
  }, 60_000);

  it('answers 503 with Retry-After while the primary is frozen, keeps lists on the replica, and recovers', async () => {
    const car = await createCar(api);
    await pair.waitForReplica();
    pair.primary.freeze();
    try {
      const started = Date.now();
      expect503(await api.get(`/cars/${car.id}`));
      expect(Date.now() - started).toBeLessThan(QUERY_TIMEOUT_MS + SLACK_MS);
      expect((await api.get('/health/ready')).body).toEqual({
        status: 'unavailable',
        detail: 'the primary database is unreachable',
      });
      expect(await probe.servedBy(api)).toBe('replica');
    } finally {
      pair.primary.thaw();
    }
    await untilReady();
    expect((await api.get(`/cars/${car.id}`)).status).toBe(200);
  }, 60_000);

  it('answers 503 to sales cut off by the primary dying, writes none of them, retries none', async () => {
    const [customer, salesperson] = await Promise.all([createCustomer(api), createSalesperson(api)]);
    const held = await Promise.all(Array.from({ length: 10 }, () => createCar(api)));
    const racing = await Promise.all(Array.from({ length: 40 }, () => createCar(api)));

    // Ten sales held at their first statement by a lock on cars, then the primary dies under them.
    await lockCars(pair.primary);
    const heldSales = held.map((car) => api.post('/sales', saleBody(car.id, customer.id, salesperson.id)));
    await waitingOnLock(pair.primary, held.length);
    await pair.primary.kill();
    for (const reply of await Promise.all(heldSales)) expect503(reply);
    await pair.primary.restart();
    await untilReady();

    // Forty sales in full flight when the primary dies: each one either happened or did not.
    const racingSales = racing.map((car) =>
      api.post('/sales', saleBody(car.id, customer.id, salesperson.id)),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    await pair.primary.kill();
    const replies = await Promise.all(racingSales);
    for (const reply of replies) expect([201, 503], JSON.stringify(reply.body)).toContain(reply.status);
    for (const reply of replies.filter((r) => r.status === 503)) expect503(reply);
    await pair.primary.restart();
    await untilReady();

    const rows = await pair.primary.query(
      `SELECT c.id, c.status, COUNT(i.id) AS invoices FROM cars c LEFT JOIN invoices i ON i.car_id = c.id
        WHERE c.id IN (?) GROUP BY c.id, c.status`,
      [[...held, ...racing].map((car) => car.id)],
      database,
    );
    const byId = new Map(
      rows.map((row) => [Number(row.id), { status: row.status, invoices: Number(row.invoices) }]),
    );
    for (const car of held) expect(byId.get(car.id)).toEqual({ status: 'in_stock', invoices: 0 });
    racing.forEach((car, index) => {
      const stored = byId.get(car.id);
      // The transaction is whole: sold with one invoice, or in stock with none.
      expect([
        { status: 'sold', invoices: 1 },
        { status: 'in_stock', invoices: 0 },
      ]).toContainEqual(stored);
      if (replies[index]?.status === 201) expect(stored).toEqual({ status: 'sold', invoices: 1 });
    });
    // Recovered without a restart of the service.
    const [again] = await Promise.all([createCar(api)]);
    expect((await api.post('/sales', saleBody(again.id, customer.id, salesperson.id))).status).toBe(201);
    expect(service.logs()).not.toMatch(/"level":50/);
  }, 120_000);
});
