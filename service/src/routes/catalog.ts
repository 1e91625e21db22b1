import type { Database } from '../db/database.js';
import { carFilters, cars } from '../domain/cars.js';
import { customers, mechanics, parts, salespeople } from '../domain/people.js';
import type { Api } from '../http/api.js';
import { ADMIN, SELLERS, STAFF, WORKSHOP } from '../http/roles.js';
import { carCreate, carListQuery, carOutput, carPatch } from '../schemas/cars.js';
import {
  customerCreate,
  customerOutput,
  customerPatch,
  mechanicCreate,
  mechanicOutput,
  mechanicPatch,
  partCreate,
  partOutput,
  partPatch,
  salespersonCreate,
  salespersonOutput,
  salespersonPatch,
} from '../schemas/people.js';
import { registerRecordRoutes } from './records.js';

/** Cars, customers, salespeople, mechanics and parts: who may read and write each. */
export function registerCatalogRoutes(api: Api, db: Database): void {
  registerRecordRoutes(api, db, {
    kind: cars,
    path: '/cars',
    tag: 'Cars',
    output: carOutput,
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
    output: customerOutput,
    create: customerCreate,
    patch: customerPatch,
    access: { read: STAFF, create: STAFF, update: STAFF, delete: STAFF },
  });
  registerRecordRoutes(api, db, {
    kind: salespeople,
    path: '/salespeople',
    tag: 'Salespeople',
    output: salespersonOutput,
    create: salespersonCreate,
    patch: salespersonPatch,
    access: { read: STAFF, create: ADMIN, update: ADMIN, delete: ADMIN },
  });
  registerRecordRoutes(api, db, {
    kind: mechanics,
    path: '/mechanics',
    tag: 'Mechanics',
    output: mechanicOutput,
    create: mechanicCreate,
    patch: mechanicPatch,
    access: { read: STAFF, create: ADMIN, update: ADMIN, delete: ADMIN },
  });
  registerRecordRoutes(api, db, {
    kind: parts,
    path: '/parts',
    tag: 'Parts',
    output: partOutput,
    create: partCreate,
    patch: partPatch,
    access: { read: STAFF, create: WORKSHOP, update: WORKSHOP, delete: WORKSHOP },
  });
}
