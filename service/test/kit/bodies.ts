import { randomUUID } from 'node:crypto';

/**
 * Request bodies for creating domain records, used by the fixtures, the tests and the benchmark.
 * Plain data, no vitest. `fields` overrides any default.
 */
type Fields = Record<string, unknown>;

/** Short unique suffixes, so tests sharing a database never collide. */
export const unique = (): string => randomUUID().slice(0, 8).toUpperCase();

export const carBody = (fields: Fields = {}) => ({
  serialNumber: `SN-${unique()}${unique()}`,
  make: 'Toyota',
  model: 'Corolla',
  year: 2024,
  color: 'blue',
  condition: 'new',
  listPrice: '24999.00',
  ...fields,
});

export const customerBody = (fields: Fields = {}) => ({
  firstName: 'Ada',
  lastName: `Buyer ${unique()}`,
  email: 'ada@example.com',
  ...fields,
});

export const salespersonBody = (fields: Fields = {}) => ({
  firstName: 'Sam',
  lastName: `Seller ${unique()}`,
  commissionRate: '0.05',
  ...fields,
});

export const mechanicBody = (fields: Fields = {}) => ({
  firstName: 'Mia',
  lastName: `Wrench ${unique()}`,
  hourlyRate: '95.00',
  ...fields,
});

export const partBody = (fields: Fields = {}) => ({
  partNumber: `P-${unique()}`,
  description: 'Oil filter',
  unitPrice: '12.50',
  quantityOnHand: 10,
  ...fields,
});

export const ticketBody = (carId: number, customerId: number, fields: Fields = {}) => ({
  carId,
  customerId,
  complaint: 'Engine light is on',
  ...fields,
});

/** The body of `POST /sales` selling `carId`. */
export const saleBody = (carId: number, customerId: number, salespersonId: number) => ({
  carId,
  customerId,
  salespersonId,
  salePrice: '23999.00',
});
