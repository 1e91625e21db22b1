import type { Database } from '../db/database.js';
import type { CarRow, CustomerRow, MechanicRow, PartRow, SalespersonRow } from '../db/models.js';
import { carFilters, cars } from '../domain/cars.js';
import { formatDecimal } from '../domain/money.js';
import { parts } from '../domain/parts.js';
import { customers, mechanics, salespeople } from '../domain/people.js';
import type { Api } from '../http/api.js';
import { ADMIN, SELLERS, STAFF, WORKSHOP } from '../http/roles.js';
import { type CarJson, carCreate, carListQuery, carOutput, carPatch } from '../schemas/cars.js';
import { type PartJson, partCreate, partOutput, partPatch } from '../schemas/parts.js';
import {
  type CustomerJson,
  customerCreate,
  customerOutput,
  customerPatch,
  type MechanicJson,
  mechanicCreate,
  mechanicOutput,
  mechanicPatch,
  type SalespersonJson,
  salespersonCreate,
  salespersonOutput,
  salespersonPatch,
} from '../schemas/people.js';
import { registerRecordRoutes } from './records.js';

const carJson = (row: CarRow): CarJson => ({
  id: row.id,
  serialNumber: row.serialNumber,
  make: row.make,
  model: row.model,
  year: row.year,
  color: row.color,
  condition: row.condition,
  listPrice: formatDecimal(row.listPrice),
  status: row.status,
});

const customerJson = ({
  id,
  firstName,
  lastName,
  phone,
  email,
  address,
  city,
  state,
  zip,
}: CustomerRow): CustomerJson => ({
  id,
  firstName,
  lastName,
  phone: phone ?? null,
  email: email ?? null,
  address: address ?? null,
  city: city ?? null,
  state: state ?? null,
  zip: zip ?? null,
});

const salespersonJson = ({
  id,
  firstName,
  lastName,
  phone,
  commissionRate,
}: SalespersonRow): SalespersonJson => ({
  id,
  firstName,
  lastName,
  phone: phone ?? null,
  commissionRate: formatDecimal(commissionRate, 4),
});

const mechanicJson = ({ id, firstName, lastName, hourlyRate }: MechanicRow): MechanicJson => ({
  id,
  firstName,
  lastName,
  hourlyRate: formatDecimal(hourlyRate),
});

const partJson = ({ id, partNumber, description, unitPrice, quantityOnHand }: PartRow): PartJson => ({
  id,
  partNumber,
  description,
  unitPrice: formatDecimal(unitPrice),
  quantityOnHand,
});

/** Cars, customers, salespeople, mechanics and parts: who may read and write each, and how each looks. */
export function registerCatalogRoutes(api: Api, db: Database): void {
  registerRecordRoutes(api, db, {
    kind: cars,
    path: '/cars',
    tag: 'Cars',
    noun: 'Car',
    output: carOutput,
    toJson: carJson,
    create: carCreate,
    patch: carPatch,
    access: { read: 'public', create: SELLERS, update: ADMIN, delete: ADMIN },
    listQuery: carListQuery,
    filters: carFilters,
  });
  registerRecordRoutes(api, db, {
    kind: customers,
    path: '/customers',
    tag: 'Customers',
    noun: 'Customer',
    output: customerOutput,
    toJson: customerJson,
    create: customerCreate,
    patch: customerPatch,
    access: { read: STAFF, create: STAFF, update: STAFF, delete: STAFF },
  });
  registerRecordRoutes(api, db, {
    kind: salespeople,
    path: '/salespeople',
    tag: 'Salespeople',
    noun: 'Salesperson',
    output: salespersonOutput,
    toJson: salespersonJson,
    create: salespersonCreate,
    patch: salespersonPatch,
    access: { read: STAFF, create: ADMIN, update: ADMIN, delete: ADMIN },
  });
  registerRecordRoutes(api, db, {
    kind: mechanics,
    path: '/mechanics',
    tag: 'Mechanics',
    noun: 'Mechanic',
    output: mechanicOutput,
    toJson: mechanicJson,
    create: mechanicCreate,
    patch: mechanicPatch,
    access: { read: STAFF, create: ADMIN, update: ADMIN, delete: ADMIN },
  });
  registerRecordRoutes(api, db, {
    kind: parts,
    path: '/parts',
    tag: 'Parts',
    noun: 'Part',
    output: partOutput,
    toJson: partJson,
    create: partCreate,
    patch: partPatch,
    access: { read: STAFF, create: WORKSHOP, update: WORKSHOP, delete: WORKSHOP },
  });
}
