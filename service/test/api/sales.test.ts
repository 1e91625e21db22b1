import { expect, it } from 'vitest';
import { createSalesperson, saleParties } from '../kit/fixtures.js';
import { describeOnEachDatabase } from '../kit/in-process-service.js';

describeOnEachDatabase('sales and invoices', (service) => {
  it('sells an in-stock car: 201 invoice, Location, car becomes sold', async () => {
    const sales = await service().clientFor('sales');
    const { car, customer, salesperson } = await saleParties(service().admin);
    const reply = await sales.post('/sales', {
      carId: car.id,
      customerId: customer.id,
      salespersonId: salesperson.id,
      salePrice: 23999,
    });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('location')).toBe(`/invoices/${reply.body.id}`);
    expect(reply.body).toEqual({
      id: reply.body.id,
      invoiceNumber: `INV-${String(reply.body.id).padStart(6, '0')}`,
      carId: car.id,
      customerId: customer.id,
      salespersonId: salesperson.id,
      salePrice: '23999.00',
      soldAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect((await sales.get(`/cars/${car.id}`)).body.status).toBe('sold');
    expect((await sales.get(`/invoices/${reply.body.id}`)).body).toEqual(reply.body);
  });

  it('answers 409 for a car that is not in stock, and writes nothing', async () => {
    const { car, customer, salesperson } = await saleParties(service().admin);
    const sale = {
      carId: car.id,
      customerId: customer.id,
      salespersonId: salesperson.id,
      salePrice: '100.00',
    };
    expect((await service().admin.post('/sales', sale)).status).toBe(201);
    const before = (await service().admin.get('/invoices?limit=100')).body.total;
    const again = await service().admin.post('/sales', sale);
    expect(again.status).toBe(409);
    expect(again.body.detail).toContain('not in stock');
    expect((await service().admin.get('/invoices?limit=100')).body.total).toBe(before);

    const owned = await service().admin.post('/cars', {
      serialNumber: `OWN-${car.id}`,
      make: 'Ford',
      model: 'Ka',
      year: 2010,
      color: 'red',
      condition: 'used',
      listPrice: 0,
      status: 'customer_owned',
    });
    expect((await service().admin.post('/sales', { ...sale, carId: owned.body.id })).status).toBe(409);
  });

  it('answers 422 naming each missing reference, and leaves the car in stock (nothing half-written)', async () => {
    const { car } = await saleParties(service().admin);
    const reply = await service().admin.post('/sales', {
      carId: car.id,
      customerId: 987654,
      salespersonId: 987655,
      salePrice: '100.00',
    });
    expect(reply.status).toBe(422);
    expect(reply.body.errors).toEqual([
      { path: 'body.customerId', message: 'customer 987654 does not exist' },
      { path: 'body.salespersonId', message: 'salesperson 987655 does not exist' },
    ]);
    expect((await service().admin.get(`/cars/${car.id}`)).body.status).toBe('in_stock');
    const missingCar = await service().admin.post('/sales', {
      carId: 987654,
      customerId: 1,
      salespersonId: 1,
      salePrice: 1,
    });
    expect(missingCar.status).toBe(422);
    expect(missingCar.body.errors.map((e: { path: string }) => e.path)).toContain('body.carId');
  });

  it('lets exactly one of many concurrent sales of one car succeed', async () => {
    const { car, customer, salesperson } = await saleParties(service().admin);
    const replies = await Promise.all(
      Array.from({ length: 8 }, () =>
        service().admin.post('/sales', {
          carId: car.id,
          customerId: customer.id,
          salespersonId: salesperson.id,
          salePrice: '500.00',
        }),
      ),
    );
    expect(replies.map((reply) => reply.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    const invoices = (await service().admin.get('/invoices?limit=100')).body.items.filter(
      (invoice: { carId: number }) => invoice.carId === car.id,
    );
    expect(invoices).toHaveLength(1);
  });

  it('keeps sales and invoices for admin and sales only', async () => {
    const workshop = await service().clientFor('service');
    expect(
      (await workshop.post('/sales', { carId: 1, customerId: 1, salespersonId: 1, salePrice: 1 })).status,
    ).toBe(403);
    expect((await workshop.get('/invoices')).status).toBe(403);
    expect((await service().anonymous.get('/invoices')).status).toBe(401);
    expect((await service().admin.get('/invoices/987654')).status).toBe(404);
  });

  it('rejects a bad sale body naming the fields', async () => {
    const reply = await service().admin.post('/sales', { carId: '1', salePrice: '12.345', extra: true });
    expect(reply.status).toBe(400);
    expect(reply.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'body.carId',
      'body.customerId',
      'body.extra',
      'body.salePrice',
      'body.salespersonId',
    ]);
  });

  it('reports cars sold and revenue per salesperson between two days', async () => {
    const admin = service().admin;
    const from = new Date().toISOString().slice(0, 10);
    const top = await createSalesperson(admin, { firstName: 'Top' });
    const other = await createSalesperson(admin, { firstName: 'Other' });
    const sell = async (salespersonId: number, salePrice: string) => {
      const { car, customer } = await saleParties(admin);
      const reply = await admin.post('/sales', {
        carId: car.id,
        customerId: customer.id,
        salespersonId,
        salePrice,
      });
      expect(reply.status).toBe(201);
    };
    await sell(top.id, '10000.10');
    await sell(top.id, '20000.20');
    await sell(other.id, '5000.00');
    const to = new Date().toISOString().slice(0, 10);
    const report = await admin.get(`/reports/sales-by-salesperson?from=${from}&to=${to}`);
    expect(report.status).toBe(200);
    const rows = report.body.filter((row: { salespersonId: number }) =>
      [top.id, other.id].includes(row.salespersonId),
    );
    expect(rows).toEqual([
      { salespersonId: top.id, firstName: 'Top', lastName: top.lastName, carsSold: 2, revenue: '30000.30' },
      {
        salespersonId: other.id,
        firstName: 'Other',
        lastName: other.lastName,
        carsSold: 1,
        revenue: '5000.00',
      },
    ]);
    const past = await admin.get('/reports/sales-by-salesperson?from=2001-01-01&to=2001-12-31');
    expect(past.body).toEqual([]);
    const all = await admin.get('/reports/sales-by-salesperson');
    expect(all.body.length).toBeGreaterThanOrEqual(2);
  });

  it('rejects a bad report range and non-admin callers', async () => {
    const reversed = await service().admin.get('/reports/sales-by-salesperson?from=2026-02-01&to=2026-01-01');
    expect(reversed.status).toBe(400);
    expect(reversed.body.errors[0].path).toBe('query.from');
    const malformed = await service().admin.get('/reports/sales-by-salesperson?from=yesterday');
    expect(malformed.status).toBe(400);
    const sales = await service().clientFor('sales');
    expect((await sales.get('/reports/sales-by-salesperson')).status).toBe(403);
  });
});
