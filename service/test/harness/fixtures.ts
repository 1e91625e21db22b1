import { carBody, customerBody, partBody, salespersonBody, ticketBody } from '../support/bodies.js';
import { type ApiClient, expectStatus } from './http-client.js';

/** Creates domain records through the public API (as a client would), failing loudly otherwise. */

export interface Created {
  id: number;
}

async function created(api: ApiClient, path: string, body: Record<string, unknown>): Promise<Created> {
  return expectStatus(await api.post<Created>(path, body), 201, `POST ${path}`);
}

export const createCar = (api: ApiClient, fields: Record<string, unknown> = {}) =>
  created(api, '/cars', carBody(fields));

export const createCustomer = (api: ApiClient) => created(api, '/customers', customerBody());

export const createSalesperson = (api: ApiClient) => created(api, '/salespeople', salespersonBody());

export const createPart = (api: ApiClient, quantityOnHand: number) =>
  created(api, '/parts', partBody({ quantityOnHand }));

export const createServiceTicket = (api: ApiClient, carId: number, customerId: number) =>
  created(api, '/service-tickets', ticketBody(carId, customerId));
