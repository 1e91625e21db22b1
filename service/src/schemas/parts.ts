import { z } from 'zod';
import { atLeastOneField, idOutput, moneyInput, moneyOutput, text } from './fields.js';

/** Unit prices up to 999999.99, so that quantity (≤ 10,000) × price fits a DECIMAL(12,2) part line. */
export const UNIT_PRICE_DIGITS = 6;
export const QUANTITY_ON_HAND_MAX = 1_000_000_000;

export const partOutput = z.object({
  id: idOutput(),
  partNumber: z.string(),
  description: z.string(),
  unitPrice: moneyOutput(),
  quantityOnHand: z.number().int().min(0).max(QUANTITY_ON_HAND_MAX),
});
export type PartJson = z.infer<typeof partOutput>;

export const partCreate = z.strictObject({
  partNumber: text(64),
  description: text(255),
  unitPrice: moneyInput(UNIT_PRICE_DIGITS),
  quantityOnHand: z.number().int().min(0).max(QUANTITY_ON_HAND_MAX),
});
export const partPatch = atLeastOneField(partCreate.partial());
