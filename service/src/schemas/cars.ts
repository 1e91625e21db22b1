import { z } from 'zod';
import {
  atLeastOneField,
  idOutput,
  integerString,
  moneyInput,
  moneyOutput,
  pagination,
  queryText,
  text,
} from './fields.js';

const condition = z.enum(['new', 'used']);
const YEAR_MIN = 1886;
const YEAR_MAX = 2100;
const year = z.number().int().min(YEAR_MIN).max(YEAR_MAX);
const status = z.enum(['in_stock', 'sold', 'customer_owned']);

export const carOutput = z.object({
  id: idOutput(),
  serialNumber: z.string(),
  make: z.string(),
  model: z.string(),
  year,
  color: z.string(),
  condition,
  listPrice: moneyOutput(),
  status,
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

export const carPatch = atLeastOneField(
  carCreate.omit({ status: true }).extend({ status: writableStatus }).partial(),
);

export const carListQuery = z.strictObject({
  ...pagination,
  status: status.optional(),
  serialNumber: queryText(64).optional(),
  make: queryText(64).optional(),
  model: queryText(64).optional(),
  year: integerString(YEAR_MIN, YEAR_MAX).optional(),
  minPrice: moneyInput().optional(),
  maxPrice: moneyInput().optional(),
});
