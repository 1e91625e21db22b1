import { z } from 'zod';
import { decimal, decimalOutput, moneyInput, moneyOutput, optionalText, text } from './fields.js';

/** Caps that keep hours × rate and quantity × price inside a DECIMAL(12,2) line amount. */
export const MAX_HOURLY_RATE = 99_999.99;
export const MAX_UNIT_PRICE = 999_999.99;

const atLeastOneField = (patch: Record<string, unknown>) => Object.keys(patch).length > 0;
const NOTHING_TO_CHANGE = 'name at least one field to change';

export const customerOutput = z.object({
  id: z.number().int(),
  firstName: z.string(),
  lastName: z.string(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  address: z.string().nullable(),
  city: z.string().nullable(),
  state: z.string().nullable(),
  zip: z.string().nullable(),
});
export type CustomerJson = z.infer<typeof customerOutput>;

export const customerCreate = z.strictObject({
  firstName: text(100),
  lastName: text(100),
  phone: optionalText(32),
  email: z.email().max(254).nullable().optional(),
  address: optionalText(200),
  city: optionalText(100),
  state: optionalText(100),
  zip: optionalText(16),
});
export const customerPatch = customerCreate.partial().refine(atLeastOneField, NOTHING_TO_CHANGE);

export const salespersonOutput = z.object({
  id: z.number().int(),
  firstName: z.string(),
  lastName: z.string(),
  phone: z.string().nullable(),
  commissionRate: decimalOutput('0.0500'),
});
export type SalespersonJson = z.infer<typeof salespersonOutput>;

export const salespersonCreate = z.strictObject({
  firstName: text(100),
  lastName: text(100),
  phone: optionalText(32),
  commissionRate: decimal({ integerDigits: 1, scale: 4, example: '0.0500', max: 1 }).default('0.0000'),
});
export const salespersonPatch = salespersonCreate
  .extend({ commissionRate: decimal({ integerDigits: 1, scale: 4, example: '0.0500', max: 1 }) })
  .partial()
  .refine(atLeastOneField, NOTHING_TO_CHANGE);

export const mechanicOutput = z.object({
  id: z.number().int(),
  firstName: z.string(),
  lastName: z.string(),
  hourlyRate: moneyOutput(),
});
export type MechanicJson = z.infer<typeof mechanicOutput>;

export const mechanicCreate = z.strictObject({
  firstName: text(100),
  lastName: text(100),
  hourlyRate: moneyInput(MAX_HOURLY_RATE),
});
export const mechanicPatch = mechanicCreate.partial().refine(atLeastOneField, NOTHING_TO_CHANGE);

export const partOutput = z.object({
  id: z.number().int(),
  partNumber: z.string(),
  description: z.string(),
  unitPrice: moneyOutput(),
  quantityOnHand: z.number().int(),
});
export type PartJson = z.infer<typeof partOutput>;

export const partCreate = z.strictObject({
  partNumber: text(64),
  description: text(255),
  unitPrice: moneyInput(MAX_UNIT_PRICE),
  quantityOnHand: z.number().int().min(0).max(1_000_000_000),
});
export const partPatch = partCreate.partial().refine(atLeastOneField, NOTHING_TO_CHANGE);
