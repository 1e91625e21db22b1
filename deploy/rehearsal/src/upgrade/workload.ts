import type { LoadRequest } from '../load/load.js';

/** The records the base revision is given before the upgrade, by id. */
export interface SeededData {
  carInStock: number;
  carSold: number;
  carInService: number;
  customer: number;
  salesperson: number;
  mechanic: number;
  part: number;
  invoice: number;
  ticket: number;
}

async function post(url: string, token: string, path: string, body: unknown): Promise<{ id: number }> {
  const response = await fetch(new URL(path, url), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 201) {
    throw new Error(`seeding the base revision: POST ${path} → ${response.status} ${text.slice(0, 300)}`);
  }
  return JSON.parse(text) as { id: number };
}

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();

/**
 * Some data in every table, written through the base revision's API (so its own rules hold): cars in
 * stock, sold and in the workshop, a customer, a salesperson, a mechanic, a part, a sale, and a service
 * ticket with a labour line and a part line.
 */
export async function seedBaseData(url: string, token: string): Promise<SeededData> {
  const car = (model: string, status: 'in_stock' | 'customer_owned') =>
    post(url, token, '/cars', {
      serialNumber: `REHEARSAL${unique()}`,
      make: 'Rehearsal',
      model,
      year: 2024,
      color: 'grey',
      condition: status === 'in_stock' ? 'new' : 'used',
      listPrice: '19990.00',
      status,
    });
  const carInStock = (await car('Stock', 'in_stock')).id;
  const carSold = (await car('Sold', 'in_stock')).id;
  const carInService = (await car('Workshop', 'customer_owned')).id;
  const customer = (
    await post(url, token, '/customers', {
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@example.com',
      phone: '+1 555 0199',
      city: 'London',
    })
  ).id;
  const salesperson = (
    await post(url, token, '/salespeople', {
      firstName: 'Sal',
      lastName: 'Rehearsal',
      commissionRate: '0.0500',
    })
  ).id;
  const mechanic = (
    await post(url, token, '/mechanics', { firstName: 'Max', lastName: 'Rehearsal', hourlyRate: '90.00' })
  ).id;
  const part = (
    await post(url, token, '/parts', {
      partNumber: `RH-${unique()}`,
      description: 'Rehearsal part',
      unitPrice: '15.00',
      quantityOnHand: 1000,
    })
  ).id;
  const invoice = (
    await post(url, token, '/sales', {
      carId: carSold,
      customerId: customer,
      salespersonId: salesperson,
      salePrice: '18990.00',
    })
  ).id;
  const ticket = (
    await post(url, token, '/service-tickets', {
      carId: carInService,
      customerId: customer,
      complaint: 'Rehearsal noise',
    })
  ).id;
  await post(url, token, `/service-tickets/${ticket}/labor`, {
    mechanicId: mechanic,
    hours: '1.50',
    description: 'Looked at it',
  });
  await post(url, token, `/service-tickets/${ticket}/parts`, { partId: part, quantity: 1 });
  return { carInStock, carSold, carInService, customer, salesperson, mechanic, part, invoice, ticket };
}

/**
 * What the load mixes in beside its own cycle (cars, customers, /version): a read of every table and of
 * the seeded records, and writes to cars and tokens — so a revision that cannot use a table or column of
 * the schema it runs against fails a request.
 */
export function upgradeWorkload(seeded: SeededData): LoadRequest[] {
  const get = (path: string): LoadRequest => ({ method: 'GET', path, expected: [200] });
  return [
    get(`/cars/${seeded.carSold}`),
    get('/salespeople?limit=5'),
    get(`/customers/${seeded.customer}`),
    get('/mechanics?limit=5'),
    get('/parts?limit=5'),
    {
      method: 'POST',
      path: '/cars',
      body: () => ({
        serialNumber: `LOAD${unique()}`,
        make: 'Rehearsal',
        model: 'Load',
        year: 2025,
        color: 'blue',
        condition: 'new',
        listPrice: '24990.00',
      }),
      expected: [201],
    },
    get('/invoices?limit=5'),
    get(`/invoices/${seeded.invoice}`),
    get('/service-tickets?limit=5'),
    get(`/service-tickets/${seeded.ticket}`),
    get(`/cars/${seeded.carInService}/service-history`),
    get('/reports/sales-by-salesperson'),
    {
      method: 'POST',
      path: '/tokens',
      body: () => ({ role: 'sales', name: `load ${unique()}` }),
      expected: [201],
    },
  ];
}
