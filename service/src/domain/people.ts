import type { CustomerRow, MechanicRow, SalespersonRow } from '../db/models.js';
import type { RecordKind } from './records.js';

export const customers: RecordKind<CustomerRow> = {
  name: 'customer',
  table: (models) => models.Customer,
};

export const salespeople: RecordKind<SalespersonRow> = {
  name: 'salesperson',
  table: (models) => models.Salesperson,
};

export const mechanics: RecordKind<MechanicRow> = {
  name: 'mechanic',
  table: (models) => models.Mechanic,
};
