import { expect, it } from 'vitest';
import { createCustomer, createMechanic, createPart, createSalesperson, unique } from '../kit/fixtures.js';
import { describeOnEachDatabase } from '../kit/in-process-service.js';

describeOnEachDatabase('customers, salespeople, mechanics and parts', (service) => {
  it('keeps a customer with every field, optional ones as null', async () => {
    const full = await createCustomer(service().admin, {
      phone: '+1 555 0100',
      address: '1 Main Street',
      city: 'Springfield',
      state: 'IL',
      zip: '62701',
    });
    expect(full).toMatchObject({
      firstName: 'Ada',
      email: 'ada@example.com',
      city: 'Springfield',
      zip: '62701',
    });
    const bare = await service().admin.post('/customers', { firstName: 'Bo', lastName: 'Bare' });
    expect(bare.body).toEqual({
      id: bare.body.id,
      firstName: 'Bo',
      lastName: 'Bare',
      phone: null,
      email: null,
      address: null,
      city: null,
      state: null,
      zip: null,
    });
    expect((await service().admin.get(`/customers/${bare.body.id}`)).body).toEqual(bare.body);
  });

  it('lets any staff role work with customers, and nobody without a token', async () => {
    for (const role of ['sales', 'service'] as const) {
      const client = await service().clientFor(role);
      const customer = await createCustomer(client);
      expect((await client.patch(`/customers/${customer.id}`, { city: 'Shelbyville' })).body.city).toBe(
        'Shelbyville',
      );
      expect((await client.get('/customers')).status).toBe(200);
      expect((await client.delete(`/customers/${customer.id}`)).status).toBe(204);
    }
    expect((await service().anonymous.get('/customers')).status).toBe(401);
  });

  it('rejects a malformed email naming the field', async () => {
    const reply = await service().admin.post('/customers', {
      firstName: 'A',
      lastName: 'B',
      email: 'not-an-email',
    });
    expect(reply.status).toBe(400);
    expect(reply.body.errors).toEqual([{ path: 'body.email', message: expect.any(String) }]);
  });

  it('writes salespeople and mechanics as admin only; staff may read them', async () => {
    const sales = await service().clientFor('sales');
    expect((await sales.post('/salespeople', { firstName: 'S', lastName: 'P' })).status).toBe(403);
    expect((await sales.post('/mechanics', { firstName: 'M', lastName: 'C', hourlyRate: 80 })).status).toBe(
      403,
    );
    const salesperson = await createSalesperson(service().admin, { commissionRate: 0.045 });
    expect(salesperson.commissionRate).toBe('0.0450');
    const mechanic = await createMechanic(service().admin, { hourlyRate: 80 });
    expect(mechanic.hourlyRate).toBe('80.00');
    expect((await sales.get(`/salespeople/${salesperson.id}`)).body).toEqual(salesperson);
    const workshop = await service().clientFor('service');
    expect((await workshop.get(`/mechanics/${mechanic.id}`)).body).toEqual(mechanic);
    expect((await workshop.patch(`/mechanics/${mechanic.id}`, { hourlyRate: 99 })).status).toBe(403);
    expect(
      (await service().admin.patch(`/mechanics/${mechanic.id}`, { hourlyRate: 99 })).body.hourlyRate,
    ).toBe('99.00');
  });

  it('refuses a commission rate above 1 and a negative hourly rate', async () => {
    const rate = await service().admin.post('/salespeople', {
      firstName: 'S',
      lastName: 'P',
      commissionRate: '1.5',
    });
    expect(rate.status).toBe(400);
    expect(rate.body.errors[0].path).toBe('body.commissionRate');
    const hourly = await service().admin.post('/mechanics', {
      firstName: 'M',
      lastName: 'C',
      hourlyRate: -1,
    });
    expect(hourly.status).toBe(400);
    expect(hourly.body.errors[0].path).toBe('body.hourlyRate');
  });

  it('lets admin and service keep parts; a duplicate part number is 409', async () => {
    const workshop = await service().clientFor('service');
    const part = await createPart(workshop, { unitPrice: 7, quantityOnHand: 4 });
    expect(part).toMatchObject({ unitPrice: '7.00', quantityOnHand: 4 });
    const again = await workshop.post('/parts', {
      partNumber: part.partNumber,
      description: 'x',
      unitPrice: 1,
      quantityOnHand: 1,
    });
    expect(again.status).toBe(409);
    const sales = await service().clientFor('sales');
    expect(
      (
        await sales.post('/parts', {
          partNumber: `P-${unique()}`,
          description: 'x',
          unitPrice: 1,
          quantityOnHand: 1,
        })
      ).status,
    ).toBe(403);
    expect((await workshop.patch(`/parts/${part.id}`, { quantityOnHand: 9 })).body.quantityOnHand).toBe(9);
  });

  it('refuses negative or fractional stock', async () => {
    for (const quantityOnHand of [-1, 1.5, '3']) {
      const reply = await service().admin.post('/parts', {
        partNumber: `P-${unique()}`,
        description: 'x',
        unitPrice: 1,
        quantityOnHand,
      });
      expect(reply.status, String(quantityOnHand)).toBe(400);
      expect(reply.body.errors[0].path).toBe('body.quantityOnHand');
    }
  });

  it('answers 409 when deleting a salesperson with invoices, a mechanic with labor, a part used on a ticket', async () => {
    const admin = service().admin;
    const [car, customer, salesperson, mechanic, part] = await Promise.all([
      admin.post('/cars', {
        serialNumber: `SN-${unique()}`,
        make: 'Kia',
        model: 'Rio',
        year: 2020,
        color: 'grey',
        condition: 'used',
        listPrice: 9000,
      }),
      createCustomer(admin),
      createSalesperson(admin),
      createMechanic(admin),
      createPart(admin),
    ]);
    await admin.post('/sales', {
      carId: car.body.id,
      customerId: customer.id,
      salespersonId: salesperson.id,
      salePrice: 1,
    });
    const ticket = await admin.post('/service-tickets', {
      carId: car.body.id,
      customerId: customer.id,
      complaint: 'x',
    });
    await admin.post(`/service-tickets/${ticket.body.id}/labor`, {
      mechanicId: mechanic.id,
      hours: 1,
      description: 'x',
    });
    await admin.post(`/service-tickets/${ticket.body.id}/parts`, { partId: part.id, quantity: 1 });
    expect((await admin.delete(`/salespeople/${salesperson.id}`)).status).toBe(409);
    expect((await admin.delete(`/mechanics/${mechanic.id}`)).status).toBe(409);
    expect((await admin.delete(`/parts/${part.id}`)).status).toBe(409);
    expect((await admin.delete(`/customers/${customer.id}`)).status).toBe(409);
  });

  it('answers 404 for unknown ids on every resource', async () => {
    const patches: [string, Record<string, unknown>][] = [
      ['/customers', { firstName: 'x' }],
      ['/salespeople', { firstName: 'x' }],
      ['/mechanics', { firstName: 'x' }],
      ['/parts', { description: 'x' }],
    ];
    for (const [path, patch] of patches) {
      expect((await service().admin.get(`${path}/987654`)).status, path).toBe(404);
      expect((await service().admin.patch(`${path}/987654`, patch)).status, path).toBe(404);
      expect((await service().admin.delete(`${path}/987654`)).status, path).toBe(404);
    }
  });
});
