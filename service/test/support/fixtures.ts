import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Body, Client } from './client.js';

/** Short unique suffixes, so tests sharing a database never collide. */
export const unique = (): string => randomUUID().slice(0, 8).toUpperCase();

async function created(client: Client, path: string, body: Record<string, unknown>): Promise<Body> {
  const reply = await client.post(path, body);
  expect(reply.status, `POST ${path}: ${JSON.stringify(reply.body)}`).toBe(201);
  return reply.body;
}

export const carBody = (fields: Record<string, unknown> = {}) => ({
  serialNumber: `SN-${unique()}${unique()}`,
  make: 'Toyota',
  model: 'Corolla',
  year: 2024,
  color: 'blue',
  condition: 'new',
  listPrice: '24999.00',
  ...fields,
});

export const createCar = (client: Client, fields: Record<string, unknown> = {}) =>
  created(client, '/cars', carBody(fields));

export const createCustomer = (client: Client, fields: Record<string, unknown> = {}) =>
  created(client, '/customers', {
    firstName: 'Ada',
    lastName: `Buyer ${unique()}`,
    email: 'ada@example.com',
    ...fields,
  });

export const createSalesperson = (client: Client, fields: Record<string, unknown> = {}) =>
  created(client, '/salespeople', {
    firstName: 'Sam',
    lastName: `Seller ${unique()}`,
    commissionRate: '0.05',
    ...fields,
  });

export const createMechanic = (client: Client, fields: Record<string, unknown> = {}) =>
  created(client, '/mechanics', {
    firstName: 'Mia',
    lastName: `Wrench ${unique()}`,
    hourlyRate: '95.00',
    ...fields,
  });

export const createPart = (client: Client, fields: Record<string, unknown> = {}) =>
  created(client, '/parts', {
    partNumber: `P-${unique()}`,
    description: 'Oil filter',
    unitPrice: '12.50',
    quantityOnHand: 10,
    ...fields,
  });

/** A car, a customer and a salesperson ready for a sale. */
export async function saleParties(client: Client) {
  const [car, customer, salesperson] = await Promise.all([
    createCar(client),
    createCustomer(client),
    createSalesperson(client),
  ]);
  return { car, customer, salesperson };
}

export async function openTicket(client: Client) {
  const [car, customer] = await Promise.all([
    createCar(client, { status: 'customer_owned' }),
    createCustomer(client),
  ]);
  return created(client, '/service-tickets', {
    carId: car.id,
    customerId: customer.id,
    complaint: 'Engine light is on',
  });
}
