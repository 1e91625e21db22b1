import { z } from 'zod';
import { integerString, moneyInput, moneyOutput, pagination, queryText, text } from './fields.js';

const condition = z.enum(['new', 'used']);
const year = z.number().int().min(1886).max(2100);

export const carOutput = z.object({
  id: z.number().int(),
  serialNumber: z.string(),
  make: z.string(),
  model: z.string(),
  year: z.number().int(),
  color: z.string(),
  condition,
  listPrice: moneyOutput(),
  status: z.enum(['in_stock', 'sold', 'customer_owned']),
});
export type CarJson = z.infer<typeof carOutput>;

/** `sold` is never written directly: only a sale makes a car sold. */
const writableStatus = z.enum(['in_stock', 'customer_owned']);

export const carCreate = z.strictObject({
  serialNumber: text(64),
  make: text(64),
  model: text(64),
  year,
  color: text(32),
  condition,
  listPrice: moneyInput(),
  status: writableStatus.default('in_stock'),
});

export const carPatch = carCreate
  .omit({ status: true })
  .extend({ status: writableStatus })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, 'name at least one field to change');

export const carListQuery = z.strictObject({
  ...pagination,
  status: z.enum(['in_stock', 'sold', 'customer_owned']).optional(),
  serialNumber: queryText(64).optional(),
  make: queryText(64).optional(),
  model: queryText(64).optional(),
  year: integerString(1886, 2100).optional(),
  minPrice: moneyInput().optional(),
  maxPrice: moneyInput().optional(),
});
