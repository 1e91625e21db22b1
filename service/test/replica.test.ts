import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, expectStatus } from './kit/client.js';
import { createCar, createCustomer, createSalesperson, saleBody } from './kit/fixtures.js';
import type { MariaDbPair } from './kit/mariadb.js';
import { type ReplicatedService, startReplicatedService } from './kit/replicated-service.js';
import type { ServiceProcess } from './kit/service-process.js';

interface CarList {
  items: { id: number; serialNumber: string }[];
  total: number;
}
interface SalesRow {
  salespersonId: number;
  carsSold: number;
}

const REPORT = '/reports/sales-by-salesperson?from=2000-01-01&to=2999-12-31';

/**
 * A real primary → replica pair. While the replica's replication is paused, a row written through
 * the service exists on the primary only, so which server answered a read is visible in the answer.
 */
describe('reads on the replica, writes on the primary (real MariaDB replication)', () => {
  let replicated: ReplicatedService;
  let pair: MariaDbPair;
  let database: string;
  let service: ServiceProcess;
  let api: Client;

  const listByMake = async (make: string) =>
    expectStatus(
      await api.get<CarList>(`/cars?make=${encodeURIComponent(make)}&limit=100`),
      200,
      'GET /cars',
    );

  beforeAll(async () => {
    // These tests pause replication on purpose and expect the replica to keep serving (lag: database-faults.test.ts).
    replicated = await startReplicatedService({ DATABASE_REPLICA_MAX_LAG_MS: '600000' });
    ({ pair, database, service } = replicated);
    api = service.admin;
  }, 90_000);

  afterAll(() => replicated?.stop());

  it('writes on the primary and reads its own writes there while the replica lags', async () => {
    await pair.pauseReplication();
    const make = `Lagging-${Date.now()}`;
    const car = await createCar(api, { make });

    const onPrimary = await pair.primary.query('SELECT id FROM cars WHERE id = ?', [car.id], database);
    const onReplica = await pair.replica.query('SELECT id FROM cars WHERE id = ?', [car.id], database);
    expect(onPrimary).toHaveLength(1);
    expect(onReplica).toHaveLength(0);

    const readBack = await api.get<{ id: number; make: string }>(`/cars/${car.id}`);
    expect(readBack.status).toBe(200);
    expect(readBack.body.make).toBe(make);

    // The list is served by the replica, which has not seen the car yet …
    expect((await listByMake(make)).total).toBe(0);
    await pair.resumeReplication();
    // … and shows it once replication has caught up.
    const caughtUp = await listByMake(make);
    expect(caughtUp.total).toBe(1);
    expect(caughtUp.items[0]?.id).toBe(car.id);
  }, 60_000);

  it('serves reports from the replica', async () => {
    const [customer, salesperson] = await Promise.all([createCustomer(api), createSalesperson(api)]);
    const car = await createCar(api);
    await pair.waitForReplica();
    await pair.pauseReplication();
    const sale = await api.post('/sales', saleBody(car.id, customer.id, salesperson.id));
    expect(sale.status).toBe(201);

    const soldBy = async () => {
      const report = expectStatus(await api.get<SalesRow[]>(REPORT), 200, REPORT);
      return report.find((row) => row.salespersonId === salesperson.id)?.carsSold ?? 0;
    };
    expect(await soldBy()).toBe(0);
    await pair.resumeReplication();
    expect(await soldBy()).toBe(1);
  }, 60_000);

  it('falls back to the primary when the replica is down, without a single error', async () => {
    const make = `Unreplicated-${Date.now()}`;
    await pair.pauseReplication();
    await createCar(api, { make });
    await pair.replica.kill();

    const statuses: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      const responses = await Promise.all([
        ...Array.from({ length: 8 }, () => api.get<CarList>(`/cars?make=${make}`)),
        api.get(REPORT),
      ]);
      statuses.push(...responses.map((response) => response.status));
      // Only the primary has this car: finding it proves the read fell back to the primary.
      for (const response of responses.slice(0, 8)) {
        expect((response.body as CarList).total).toBe(1);
      }
    }
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    const ready = await api.get('/health/ready');
    expect(ready.status).toBe(200);
  }, 60_000);
});
