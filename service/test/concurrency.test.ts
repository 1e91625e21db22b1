import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from './kit/client.js';
import { createMysqlDatabase, type MysqlDatabase } from './kit/databases.js';
import {
  createCar,
  createCustomer,
  createPart,
  createSalesperson,
  createServiceTicket,
  saleBody,
} from './kit/fixtures.js';
import { type ServiceProcess, spawnServiceProcess } from './kit/service-process.js';

/** Counts responses by HTTP status. */
function countStatuses(responses: { status: number }[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const { status } of responses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

describe('concurrent writes on MariaDB', () => {
  let database: MysqlDatabase;
  let service: ServiceProcess;
  let api: Client;

  beforeAll(async () => {
    database = await createMysqlDatabase();
    service = await spawnServiceProcess({ env: { DATABASE_URL: database.url } });
    api = service.admin;
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    await database?.drop();
  });

  it('sells a car exactly once when 50 sales of it arrive at the same time', async () => {
    const [car, customer, salesperson] = await Promise.all([
      createCar(api),
      createCustomer(api),
      createSalesperson(api),
    ]);
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => api.post('/sales', saleBody(car.id, customer.id, salesperson.id))),
    );

    expect(countStatuses(responses), service.logs()).toEqual({ 201: 1, 409: 49 });
    const invoices = await database.query('SELECT COUNT(*) AS n FROM invoices WHERE car_id = ?', [car.id]);
    expect(Number(invoices[0]?.n)).toBe(1);
    const sold = await api.get<{ status: string }>(`/cars/${car.id}`);
    expect(sold.body.status).toBe('sold');
  }, 60_000);

  it('uses a part with stock 5 exactly 5 times out of 20 parallel attempts, never below zero', async () => {
    const [car, customer, part] = await Promise.all([
      createCar(api, { status: 'customer_owned' }),
      createCustomer(api),
      createPart(api, { quantityOnHand: 5 }),
    ]);
    const ticket = await createServiceTicket(api, car.id, customer.id);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        api.post(`/service-tickets/${ticket.id}/parts`, { partId: part.id, quantity: 1 }),
      ),
    );

    expect(countStatuses(responses), service.logs()).toEqual({ 201: 5, 409: 15 });
    const after = await api.get<{ quantityOnHand: number }>(`/parts/${part.id}`);
    expect(after.body.quantityOnHand).toBe(0);
    const [stock] = await database.query('SELECT quantity_on_hand FROM parts WHERE id = ?', [part.id]);
    expect(stock?.quantity_on_hand).toBe(0);
    const detail = await api.get<{ partLines: unknown[] }>(`/service-tickets/${ticket.id}`);
    expect(detail.body.partLines).toHaveLength(5);
  }, 60_000);
});
