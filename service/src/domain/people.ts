import type { CustomerRow, MechanicRow, PartRow, SalespersonRow } from '../db/models.js';
import type { CustomerJson, MechanicJson, PartJson, SalespersonJson } from '../schemas/people.js';
import { formatDecimal } from './money.js';
import type { RecordKind } from './records.js';

export const customers: RecordKind<CustomerRow, CustomerJson> = {
  name: 'customer',
  table: (models) => models.Customer,
  toJson: ({ id, firstName, lastName, phone, email, address, city, state, zip }) => ({
    id,
    firstName,
    lastName,
    phone: phone ?? null,
    email: email ?? null,
    address: address ?? null,
    city: city ?? null,
    state: state ?? null,
    zip: zip ?? null,
  }),
  referencedBy: 'an invoice or a service ticket',
};

export const salespeople: RecordKind<SalespersonRow, SalespersonJson> = {
  name: 'salesperson',
  table: (models) => models.Salesperson,
  toJson: ({ id, firstName, lastName, phone, commissionRate }) => ({
    id,
    firstName,
    lastName,
    phone: phone ?? null,
    commissionRate: formatDecimal(commissionRate, 4),
  }),
  referencedBy: 'an invoice',
};

export const mechanics: RecordKind<MechanicRow, MechanicJson> = {
  name: 'mechanic',
  table: (models) => models.Mechanic,
  toJson: ({ id, firstName, lastName, hourlyRate }) => ({
    id,
    firstName,
    lastName,
    hourlyRate: formatDecimal(hourlyRate),
  }),
  referencedBy: 'a service ticket labor line',
};

export const parts: RecordKind<PartRow, PartJson> = {
  name: 'part',
  table: (models) => models.Part,
  toJson: ({ id, partNumber, description, unitPrice, quantityOnHand }) => ({
    id,
    partNumber,
    description,
    unitPrice: formatDecimal(unitPrice),
    quantityOnHand,
  }),
  unique: { attribute: 'partNumber', label: 'part number' },
  referencedBy: 'a service ticket part line',
};
