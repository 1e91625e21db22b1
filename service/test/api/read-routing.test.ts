import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { Database } from '../../src/db/database.js';
import { migrateUp } from '../../src/db/migrator.js';
import { createLogger } from '../../src/logger.js';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.js';
import { createCar } from '../support/fixtures.js';
import { unusedPort } from '../support/free-port.js';
import { startTestService, type TestService } from '../support/test-service.js';

const logger = createLogger('silent');

/**
 * The "replica" here is a second, separately migrated MariaDB database with nothing replicated into
 * it, so where each read went is visible: lists see the replica, single-item reads the primary.
 */
describe('read routing (MariaDB)', () => {
  let replica: ScratchDatabase;
  let service: TestService;

  beforeAll(async () => {
    replica = await createScratchDatabase('mysql');
    const config = loadConfig({ DATABASE_URL: replica.url });
    const db = new Database(config.database, [], logger);
    await migrateUp(db.primary.sequelize, config.database, logger);
    await db.close();
    service = await startTestService('mysql', { DATABASE_REPLICA_URLS: replica.url });
  });
  afterAll(async () => {
    await service?.stop();
    await replica?.drop();
  });

  it('serves lists from the replica and the one-item read (the caller’s own write) from the primary', async () => {
    const car = await createCar(service.admin);
    expect((await service.anonymous.get(`/cars/${car.id}`)).body).toEqual(car);
    expect((await service.anonymous.get('/cars')).body.total).toBe(0);
  });

  it('keeps every write and transaction on the primary', async () => {
    const car = await createCar(service.admin);
    const patched = await service.admin.patch(`/cars/${car.id}`, { color: 'green' });
    expect(patched.body.color).toBe('green');
    expect(await service.db.primary.Car.count()).toBeGreaterThanOrEqual(2);
  });
});

describe('a replica that is down', () => {
  let service: TestService;

  beforeAll(async () => {
    const port = await unusedPort();
    service = await startTestService('mysql', {
      DATABASE_REPLICA_URLS: `mysql://root@127.0.0.1:${port}/gone`,
    });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('is skipped: lists and reports come from the primary, without an error', async () => {
    const car = await createCar(service.admin);
    const list = await service.anonymous.get('/cars');
    expect(list.status).toBe(200);
    expect(list.body.items.map((item: { id: number }) => item.id)).toContain(car.id);
    const started = Date.now();
    const again = await service.anonymous.get('/cars');
    expect(again.status).toBe(200);
    const report = await service.admin.get('/reports/sales-by-salesperson');
    expect(report.status).toBe(200);
    // During the cooldown the dead replica is not tried again (a retry would cost a connect attempt).
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
