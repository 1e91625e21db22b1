import { expect, it } from 'vitest';
import { createCar, createCustomer, createMechanic, createPart, openTicket } from '../kit/fixtures.js';
import { describeOnEachDatabase } from '../kit/in-process-service.js';

describeOnEachDatabase('service tickets', (service) => {
  it('opens a ticket: 201, Location, status open, no totals yet', async () => {
    const workshop = await service().clientFor('service');
    const [car, customer] = await Promise.all([createCar(service().admin), createCustomer(service().admin)]);
    const reply = await workshop.post('/service-tickets', {
      carId: car.id,
      customerId: customer.id,
      complaint: 'Rattle',
    });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('location')).toBe(`/service-tickets/${reply.body.id}`);
    expect(reply.body).toEqual({
      id: reply.body.id,
      ticketNumber: `ST-${String(reply.body.id).padStart(6, '0')}`,
      carId: car.id,
      customerId: customer.id,
      complaint: 'Rattle',
      status: 'open',
      openedAt: expect.any(String),
      closedAt: null,
      laborTotal: null,
      partsTotal: null,
      total: null,
    });
  });

  it('answers 422 for a missing car or customer, and 409 while the car already has an open ticket', async () => {
    const customer = await createCustomer(service().admin);
    const missing = await service().admin.post('/service-tickets', {
      carId: 987654,
      customerId: customer.id,
      complaint: 'x',
    });
    expect(missing.status).toBe(422);
    expect(missing.body.errors).toEqual([{ path: 'body.carId', message: 'car 987654 does not exist' }]);
    const ticket = await openTicket(service().admin);
    const second = await service().admin.post('/service-tickets', {
      carId: ticket.carId,
      customerId: ticket.customerId,
      complaint: 'again',
    });
    expect(second.status).toBe(409);
  });

  it('opens exactly one ticket when a car is brought in twice at the same moment', async () => {
    const [car, customer] = await Promise.all([createCar(service().admin), createCustomer(service().admin)]);
    const replies = await Promise.all(
      Array.from({ length: 6 }, () =>
        service().admin.post('/service-tickets', {
          carId: car.id,
          customerId: customer.id,
          complaint: 'Noise',
        }),
      ),
    );
    expect(replies.map((reply) => reply.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
  });

  it('adds labor and parts, takes parts from stock, and fixes the totals on close', async () => {
    const admin = service().admin;
    const ticket = await openTicket(admin);
    const [mia, leo, filter] = await Promise.all([
      createMechanic(admin, { hourlyRate: '95.00' }),
      createMechanic(admin, { hourlyRate: '80.50' }),
      createPart(admin, { unitPrice: '12.50', quantityOnHand: 5 }),
    ]);
    const labor1 = await admin.post(`/service-tickets/${ticket.id}/labor`, {
      mechanicId: mia.id,
      hours: 1.5,
      description: 'Diagnosis',
    });
    expect(labor1.status).toBe(201);
    expect(labor1.body).toMatchObject({ hours: '1.50', hourlyRate: '95.00', amount: '142.50' });
    const labor2 = await admin.post(`/service-tickets/${ticket.id}/labor`, {
      mechanicId: leo.id,
      hours: '0.25',
      description: 'Test drive',
    });
    expect(labor2.body.amount).toBe('20.13'); // 0.25 × 80.50 = 20.125, rounded half up
    const parts = await admin.post(`/service-tickets/${ticket.id}/parts`, { partId: filter.id, quantity: 2 });
    expect(parts.status).toBe(201);
    expect(parts.body).toMatchObject({ quantity: 2, unitPrice: '12.50', amount: '25.00' });
    expect((await admin.get(`/parts/${filter.id}`)).body.quantityOnHand).toBe(3);

    // A later price change does not change the line, nor the total.
    await admin.patch(`/mechanics/${mia.id}`, { hourlyRate: '200.00' });

    const closed = await admin.post(`/service-tickets/${ticket.id}/close`);
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({
      status: 'closed',
      laborTotal: '162.63',
      partsTotal: '25.00',
      total: '187.63',
      closedAt: expect.any(String),
    });
    const detail = await admin.get(`/service-tickets/${ticket.id}`);
    expect(detail.body).toMatchObject({ total: '187.63', status: 'closed' });
    expect(detail.body.laborLines.map((line: { amount: string }) => line.amount)).toEqual([
      '142.50',
      '20.13',
    ]);
    expect(detail.body.partLines).toEqual([parts.body]);
  });

  it('closes a ticket without lines at zero', async () => {
    const ticket = await openTicket(service().admin);
    const closed = await service().admin.post(`/service-tickets/${ticket.id}/close`);
    expect(closed.body).toMatchObject({ laborTotal: '0.00', partsTotal: '0.00', total: '0.00' });
  });

  it('answers 409 for a line on a closed ticket or closing it twice, and changes nothing', async () => {
    const admin = service().admin;
    const ticket = await openTicket(admin);
    const [mechanic, part] = await Promise.all([
      createMechanic(admin),
      createPart(admin, { quantityOnHand: 4 }),
    ]);
    expect((await admin.post(`/service-tickets/${ticket.id}/close`)).status).toBe(200);
    const labor = await admin.post(`/service-tickets/${ticket.id}/labor`, {
      mechanicId: mechanic.id,
      hours: 1,
      description: 'x',
    });
    expect(labor.status).toBe(409);
    expect(
      (await admin.post(`/service-tickets/${ticket.id}/parts`, { partId: part.id, quantity: 1 })).status,
    ).toBe(409);
    expect((await admin.post(`/service-tickets/${ticket.id}/close`)).status).toBe(409);
    expect((await admin.get(`/parts/${part.id}`)).body.quantityOnHand).toBe(4);
    const detail = (await admin.get(`/service-tickets/${ticket.id}`)).body;
    expect(detail.laborLines).toEqual([]);
    expect(detail.partLines).toEqual([]);
  });

  it('answers 409 when stock is short and leaves the stock as it was', async () => {
    const ticket = await openTicket(service().admin);
    const part = await createPart(service().admin, { quantityOnHand: 2 });
    const reply = await service().admin.post(`/service-tickets/${ticket.id}/parts`, {
      partId: part.id,
      quantity: 3,
    });
    expect(reply.status).toBe(409);
    expect(reply.body.detail).toContain('not enough stock');
    expect((await service().admin.get(`/parts/${part.id}`)).body.quantityOnHand).toBe(2);
  });

  it('never takes stock below zero under concurrent use', async () => {
    const [first, second] = await Promise.all([openTicket(service().admin), openTicket(service().admin)]);
    const part = await createPart(service().admin, { quantityOnHand: 5 });
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        service().admin.post(`/service-tickets/${(i % 2 === 0 ? first : second).id}/parts`, {
          partId: part.id,
          quantity: 1,
        }),
      ),
    );
    expect(replies.filter((reply) => reply.status === 201)).toHaveLength(5);
    expect(replies.filter((reply) => reply.status === 409)).toHaveLength(3);
    expect((await service().admin.get(`/parts/${part.id}`)).body.quantityOnHand).toBe(0);
  });

  it('answers 422 for a missing mechanic or part, 404 for a missing ticket', async () => {
    const ticket = await openTicket(service().admin);
    const mechanic = await service().admin.post(`/service-tickets/${ticket.id}/labor`, {
      mechanicId: 987654,
      hours: 1,
      description: 'x',
    });
    expect(mechanic.status).toBe(422);
    expect(mechanic.body.errors[0].path).toBe('body.mechanicId');
    const part = await service().admin.post(`/service-tickets/${ticket.id}/parts`, {
      partId: 987654,
      quantity: 1,
    });
    expect(part.status).toBe(422);
    expect(part.body.errors[0].path).toBe('body.partId');
    expect((await service().admin.post('/service-tickets/987654/close')).status).toBe(404);
    expect((await service().admin.get('/service-tickets/987654')).status).toBe(404);
    const realMechanic = await createMechanic(service().admin);
    const labor = await service().admin.post('/service-tickets/987654/labor', {
      mechanicId: realMechanic.id,
      hours: 1,
      description: 'x',
    });
    expect(labor.status).toBe(404);
  });

  it('rejects zero or negative hours and quantities naming the field', async () => {
    const ticket = await openTicket(service().admin);
    for (const hours of [0, -1, '1.234', 'lots']) {
      const reply = await service().admin.post(`/service-tickets/${ticket.id}/labor`, {
        mechanicId: 1,
        hours,
        description: 'x',
      });
      expect(reply.status, String(hours)).toBe(400);
      expect(reply.body.errors[0].path).toBe('body.hours');
    }
    for (const quantity of [0, -2, 1.5]) {
      const reply = await service().admin.post(`/service-tickets/${ticket.id}/parts`, {
        partId: 1,
        quantity,
      });
      expect(reply.status, String(quantity)).toBe(400);
      expect(reply.body.errors[0].path).toBe('body.quantity');
    }
  });

  it("keeps a car's service history, newest first, for staff", async () => {
    const admin = service().admin;
    const first = await openTicket(admin);
    await admin.post(`/service-tickets/${first.id}/close`);
    const second = await admin.post('/service-tickets', {
      carId: first.carId,
      customerId: first.customerId,
      complaint: 'Back again',
    });
    expect(second.status).toBe(201);
    const sales = await service().clientFor('sales');
    const history = await sales.get(`/cars/${first.carId}/service-history`);
    expect(history.status).toBe(200);
    expect(history.body.items.map((ticket: { id: number }) => ticket.id)).toEqual([second.body.id, first.id]);
    expect(history.body.total).toBe(2);
    expect((await admin.get('/cars/987654/service-history')).status).toBe(404);
    expect((await service().anonymous.get(`/cars/${first.carId}/service-history`)).status).toBe(401);
  });

  it('lists tickets by status for admin and service; sales may not touch tickets', async () => {
    const ticket = await openTicket(service().admin);
    const open = await service().admin.get('/service-tickets?status=open&limit=100');
    expect(open.body.items.map((t: { id: number }) => t.id)).toContain(ticket.id);
    const sales = await service().clientFor('sales');
    expect((await sales.get('/service-tickets')).status).toBe(403);
    expect((await sales.post(`/service-tickets/${ticket.id}/close`)).status).toBe(403);
  });
});
