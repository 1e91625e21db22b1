import { freePort } from '@dealership/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCar } from '../kit/fixtures.js';
import { type InProcessService, startInProcessService } from '../kit/in-process-service.js';

// Reads from a replica that replicates are tested against a real primary → replica pair (test/replica.test.ts).
describe('a replica that is down', () => {
  let service: InProcessService;

  beforeAll(async () => {
    const port = await freePort();
    service = await startInProcessService('mysql', {
      env: { DATABASE_REPLICA_URLS: `mysql://root@127.0.0.1:${port}/gone` },
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
