import { carBody, customerBody, mechanicBody, partBody, salespersonBody, ticketBody } from './bodies.js';
import { type Body, type Client, expectStatus } from './client.js';

/**
 * Records created through the public API, as a client would; anything but 201 fails with the
 * response in the message. No vitest here, so the benchmark seeds with the same functions.
 */

export * from './bodies.js';

type Fields = Record<string, unknown>;

async function created(client: Client, path: string, body: Fields): Promise<Body> {
  return expectStatus(await client.post(path, body), 201, `POST ${path}`);
}

export const createCar = (client: Client, fields: Fields = {}) => created(client, '/cars', carBody(fields));

export const createCustomer = (client: Client, fields: Fields = {}) =>
  created(client, '/customers', customerBody(fields));

export const createSalesperson = (client: Client, fields: Fields = {}) =>
  created(client, '/salespeople', salespersonBody(fields));

export const createMechanic = (client: Client, fields: Fields = {}) =>
  created(client, '/mechanics', mechanicBody(fields));

export const createPart = (client: Client, fields: Fields = {}) =>
  created(client, '/parts', partBody(fields));

export const createServiceTicket = (client: Client, carId: number, customerId: number) =>
  created(client, '/service-tickets', ticketBody(carId, customerId));

/** A car, a customer and a salesperson ready for a sale. */
export async function saleParties(client: Client) {
  const [car, customer, salesperson] = await Promise.all([
    createCar(client),
    createCustomer(client),
    createSalesperson(client),
  ]);
  return { car, customer, salesperson };
}

/** An open service ticket for a customer's car. */
export async function openTicket(client: Client) {
  const [car, customer] = await Promise.all([
    createCar(client, { status: 'customer_owned' }),
    createCustomer(client),
  ]);
  return createServiceTicket(client, car.id, customer.id);
}
