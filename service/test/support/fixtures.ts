import { expect } from 'vitest';
import { carBody, customerBody, mechanicBody, partBody, salespersonBody, ticketBody } from './bodies.js';
import type { Body, Client } from './client.js';

export { carBody, unique } from './bodies.js';

async function created(client: Client, path: string, body: Record<string, unknown>): Promise<Body> {
  const reply = await client.post(path, body);
  expect(reply.status, `POST ${path}: ${JSON.stringify(reply.body)}`).toBe(201);
  return reply.body;
}

export const createCar = (client: Client, fields: Record<string, unknown> = {}) =>
  created(client, '/cars', carBody(fields));

export const createCustomer = (client: Client, fields: Record<string, unknown> = {}) =>
  created(client, '/customers', customerBody(fields));

export const createSalesperson = (client: Client, fields: Record<string, unknown> = {}) =>
  created(client, '/salespeople', salespersonBody(fields));

export const createMechanic = (client: Client, fields: Record<string, unknown> = {}) =>
  created(client, '/mechanics', mechanicBody(fields));

export const createPart = (client: Client, fields: Record<string, unknown> = {}) =>
  created(client, '/parts', partBody(fields));

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
  return created(client, '/service-tickets', ticketBody(car.id, customer.id));
}
