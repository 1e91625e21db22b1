import { expect, it } from 'vitest';
import { carBody, createCar, createCustomer, openTicket, saleParties, unique } from '../kit/fixtures.js';
import { describeOnEachDatabase } from '../kit/in-process-service.js';

describeOnEachDatabase('cars', (service) => {
  it('creates a car with 201, a Location header and money as a two-place string', async () => {
    const reply = await service().admin.post('/cars', carBody({ listPrice: 18500.5 }));
    expect(reply.status).toBe(201);
    expect(reply.headers.get('location')).toBe(`/cars/${reply.body.id}`);
    expect(reply.body).toMatchObject({
      listPrice: '18500.50',
      status: 'in_stock',
      condition: 'new',
      year: 2024,
    });
  });

  it('lets anyone read cars without a token, one or many', async () => {
    const car = await createCar(service().admin);
    const one = await service().anonymous.get(`/cars/${car.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(car);
    const list = await service().anonymous.get('/cars');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ limit: 20, offset: 0 });
    expect(list.body.total).toBeGreaterThanOrEqual(1);
  });

  it('answers 409 for a duplicate serial number and keeps the first car', async () => {
    const car = await createCar(service().admin);
    const again = await service().admin.post(
      '/cars',
      carBody({ serialNumber: car.serialNumber, make: 'Ford' }),
    );
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect(again.body.detail).toContain(car.serialNumber);
    expect((await service().admin.get(`/cars/${car.id}`)).body.make).toBe('Toyota');
  });

  it('filters by status, make, model, year, serial number and price range', async () => {
    const make = `Make${unique()}`;
    const cheap = await createCar(service().admin, {
      make,
      model: 'Alpha',
      year: 2020,
      listPrice: '10000.00',
    });
    const dear = await createCar(service().admin, { make, model: 'Beta', year: 2022, listPrice: '30000.00' });
    await createCar(service().admin, {
      make,
      model: 'Beta',
      year: 2022,
      listPrice: '20000',
      status: 'customer_owned',
    });
    const ids = async (query: string) => {
      const reply = await service().anonymous.get(`/cars?make=${make.toLowerCase()}&${query}`);
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      return reply.body.items.map((car: { id: number }) => car.id);
    };
    expect(await ids('model=alpha')).toEqual([cheap.id]);
    expect(await ids('year=2022&status=in_stock')).toEqual([dear.id]);
    expect(await ids('minPrice=25000')).toEqual([dear.id]);
    expect(await ids('maxPrice=15000.00')).toEqual([cheap.id]);
    expect(await ids(`serialNumber=${cheap.serialNumber}`)).toEqual([cheap.id]);
    expect((await ids('minPrice=10000&maxPrice=30000')).length).toBe(3);
  });

  it('pages with limit and offset, and reports the total', async () => {
    const make = `Page${unique()}`;
    for (let i = 0; i < 3; i++) await createCar(service().admin, { make });
    const first = await service().anonymous.get(`/cars?make=${make}&limit=2`);
    expect(first.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(first.body.items).toHaveLength(2);
    const second = await service().anonymous.get(`/cars?make=${make}&limit=2&offset=2`);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].id).toBeGreaterThan(first.body.items[1].id);
    const beyond = await service().anonymous.get(`/cars?make=${make}&offset=100`);
    expect(beyond.body).toMatchObject({ items: [], total: 3 });
  });

  it.each([
    ['limit=0', 'query.limit'],
    ['limit=101', 'query.limit'],
    ['limit=abc', 'query.limit'],
    ['offset=-1', 'query.offset'],
    ['offset=1.5', 'query.offset'],
    ['status=stolen', 'query.status'],
    ['minPrice=-5', 'query.minPrice'],
    ['year=20x4', 'query.year'],
    ['colour=red', 'query.colour'],
    ['limit=1&limit=2', 'query.limit'],
  ])('rejects the query %s with 400 naming %s', async (query, path) => {
    const reply = await service().anonymous.get(`/cars?${query}`);
    expect(reply.status).toBe(400);
    expect(reply.body.errors.map((error: { path: string }) => error.path)).toContain(path);
  });

  it('lets only admin and sales create cars', async () => {
    const serviceClient = await service().clientFor('service');
    expect((await serviceClient.post('/cars', carBody())).status).toBe(403);
    const sales = await service().clientFor('sales');
    expect((await sales.post('/cars', carBody())).status).toBe(201);
    expect((await service().anonymous.post('/cars', carBody())).status).toBe(401);
  });

  it('changes a car with PATCH (admin only) and keeps the other fields', async () => {
    const car = await createCar(service().admin);
    const sales = await service().clientFor('sales');
    expect((await sales.patch(`/cars/${car.id}`, { color: 'red' })).status).toBe(403);
    const reply = await service().admin.patch(`/cars/${car.id}`, { color: 'red', listPrice: '23000' });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ ...car, color: 'red', listPrice: '23000.00' });
  });

  it('refuses a PATCH that changes nothing, sets status sold, or reuses a serial number', async () => {
    const [car, other] = await Promise.all([createCar(service().admin), createCar(service().admin)]);
    expect((await service().admin.patch(`/cars/${car.id}`, {})).status).toBe(400);
    const unknown = await service().admin.patch(`/cars/${car.id}`, { colour: 'red' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toContainEqual({ path: 'body.colour', message: 'unknown field' });
    const sold = await service().admin.patch(`/cars/${car.id}`, { status: 'sold' });
    expect(sold.status).toBe(400);
    expect(sold.body.errors[0].path).toBe('body.status');
    expect(
      (await service().admin.patch(`/cars/${car.id}`, { serialNumber: other.serialNumber })).status,
    ).toBe(409);
    expect((await service().admin.patch(`/cars/${car.id}`, { serialNumber: car.serialNumber })).status).toBe(
      200,
    );
  });

  it("refuses to change a sold car's status", async () => {
    const { car, customer, salesperson } = await saleParties(service().admin);
    const sale = { carId: car.id, customerId: customer.id, salespersonId: salesperson.id, salePrice: '1.00' };
    expect((await service().admin.post('/sales', sale)).status).toBe(201);
    const reply = await service().admin.patch(`/cars/${car.id}`, { status: 'in_stock' });
    expect(reply.status).toBe(409);
    expect((await service().admin.get(`/cars/${car.id}`)).body.status).toBe('sold');
  });

  it('deletes an unreferenced car (admin only), then answers 404 for it', async () => {
    const car = await createCar(service().admin);
    const sales = await service().clientFor('sales');
    expect((await sales.delete(`/cars/${car.id}`)).status).toBe(403);
    const reply = await service().admin.delete(`/cars/${car.id}`);
    expect(reply.status).toBe(204);
    expect(reply.body).toBe('');
    expect((await service().admin.get(`/cars/${car.id}`)).status).toBe(404);
    expect((await service().admin.delete(`/cars/${car.id}`)).status).toBe(404);
  });

  it('answers 409 when deleting a car that an invoice or a ticket refers to', async () => {
    const { car, customer, salesperson } = await saleParties(service().admin);
    await service().admin.post('/sales', {
      carId: car.id,
      customerId: customer.id,
      salespersonId: salesperson.id,
      salePrice: 1,
    });
    const sold = await service().admin.delete(`/cars/${car.id}`);
    expect(sold.status).toBe(409);
    const ticket = await openTicket(service().admin);
    expect((await service().admin.delete(`/cars/${ticket.carId}`)).status).toBe(409);
    expect((await service().admin.get(`/cars/${ticket.carId}`)).status).toBe(200);
  });

  it('records a car brought in only for service as customer_owned', async () => {
    const customer = await createCustomer(service().admin);
    const car = await createCar(service().admin, { status: 'customer_owned', condition: 'used' });
    expect(car.status).toBe('customer_owned');
    const ticket = await service().admin.post('/service-tickets', {
      carId: car.id,
      customerId: customer.id,
      complaint: 'Oil change',
    });
    expect(ticket.status).toBe(201);
  });

  it('answers 404 for an unknown car and 400 for an id that is not one', async () => {
    expect((await service().anonymous.get('/cars/999999')).status).toBe(404);
    for (const id of ['0', 'abc', '-1', '1.5', '99999999999']) {
      const reply = await service().anonymous.get(`/cars/${id}`);
      expect(reply.status, id).toBe(400);
      expect(reply.body.errors[0].path).toBe('path.id');
    }
  });
});
