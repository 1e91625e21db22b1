import { randomUUID } from 'node:crypto';
import { type ApiClient, expectStatus } from './http-client.js';

/** Creates domain records through the public API (as a client would), failing loudly otherwise. */

export interface Created {
  id: number;
}

const unique = (): string => randomUUID().slice(0, 8).toUpperCase();

export async function createCar(api: ApiClient, fields: Record<string, unknown> = {}): Promise<Created> {
  const response = await api.post<Created>('/cars', {
    serialNumber: `SN-${unique()}-${unique()}`,
    make: 'Toyota',
    model: 'Corolla',
    year: 2024,
    color: 'blue',
    condition: 'new',
    listPrice: '24999.00',
    ...fields,
  });
  return expectStatus(response, 201, 'POST /cars');
}

export async function createCustomer(api: ApiClient): Promise<Created> {
  const response = await api.post<Created>('/customers', {
    firstName: 'Ada',
    lastName: `Buyer ${unique()}`,
    phone: '+1 555 0100',
    email: `ada.${unique().toLowerCase()}@example.com`,
    address: '1 Main Street',
    city: 'Springfield',
    state: 'IL',
    zip: '62701',
  });
  return expectStatus(response, 201, 'POST /customers');
}

export async function createSalesperson(api: ApiClient): Promise<Created> {
  const response = await api.post<Created>('/salespeople', {
    firstName: 'Sam',
    lastName: `Seller ${unique()}`,
    phone: '+1 555 0101',
    commissionRate: '0.05',
  });
  return expectStatus(response, 201, 'POST /salespeople');
}

export async function createPart(api: ApiClient, quantityOnHand: number): Promise<Created> {
  const response = await api.post<Created>('/parts', {
    partNumber: `P-${unique()}`,
    description: 'Oil filter',
    unitPrice: '12.50',
    quantityOnHand,
  });
  return expectStatus(response, 201, 'POST /parts');
}

export async function createServiceTicket(
  api: ApiClient,
  carId: number,
  customerId: number,
): Promise<Created> {
  const response = await api.post<Created>('/service-tickets', {
    carId,
    customerId,
    complaint: 'Engine light is on',
  });
  return expectStatus(response, 201, 'POST /service-tickets');
}

/** The body of `POST /sales` selling `carId`. */
export function saleOf(carId: number, customerId: number, salespersonId: number): Record<string, unknown> {
  return { carId, customerId, salespersonId, salePrice: '23999.00' };
}
