import { z } from 'zod';
import {
  atLeastOneField,
  decimal,
  decimalOutput,
  email,
  idOutput,
  moneyInput,
  moneyOutput,
  optionalText,
  text,
} from './fields.js';

/** Hourly rates up to 99999.99, so that hours × rate fits a DECIMAL(12,2) labor line. */
export const HOURLY_RATE_DIGITS = 5;

export const customerOutput = z.object({
  id: idOutput(),
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
  email: email().nullable().optional(),
  address: optionalText(200),
  city: optionalText(100),
  state: optionalText(100),
  zip: optionalText(16),
});
export const customerPatch = atLeastOneField(customerCreate.partial());

const commissionRate = () => decimal({ integerDigits: 1, scale: 4, example: '0.0500', atMostOne: true });

export const salespersonOutput = z.object({
  id: idOutput(),
  firstName: z.string(),
  lastName: z.string(),
  phone: z.string().nullable(),
  commissionRate: decimalOutput('0.0500', 4, 1),
});
export type SalespersonJson = z.infer<typeof salespersonOutput>;

export const salespersonCreate = z.strictObject({
  firstName: text(100),
  lastName: text(100),
  phone: optionalText(32),
  commissionRate: commissionRate().default('0.0000'),
});
export const salespersonPatch = atLeastOneField(
  salespersonCreate.extend({ commissionRate: commissionRate() }).partial(),
);

export const mechanicOutput = z.object({
  id: idOutput(),
  firstName: z.string(),
  lastName: z.string(),
  hourlyRate: moneyOutput(),
});
export type MechanicJson = z.infer<typeof mechanicOutput>;

export const mechanicCreate = z.strictObject({
  firstName: text(100),
  lastName: text(100),
  hourlyRate: moneyInput(HOURLY_RATE_DIGITS),
});
export const mechanicPatch = atLeastOneField(mechanicCreate.partial());
