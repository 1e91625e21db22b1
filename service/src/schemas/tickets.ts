import { z } from 'zod';
import {
  decimal,
  decimalOutput,
  idOutput,
  idReference,
  moneyOutput,
  pagination,
  text,
  timestampOutput,
} from './fields.js';

export const ticketCreate = z.strictObject({
  carId: idReference(),
  customerId: idReference(),
  complaint: text(1000),
});

export const laborCreate = z.strictObject({
  mechanicId: idReference(),
  hours: decimal({ integerDigits: 3, scale: 2, example: '1.50', positive: true }),
  description: text(1000),
});

export const PART_USE_MAX = 10_000;
export const partUseCreate = z.strictObject({
  partId: idReference(),
  quantity: z.number().int().min(1).max(PART_USE_MAX),
});

export const laborLineOutput = z.object({
  id: idOutput(),
  ticketId: idOutput(),
  mechanicId: idOutput(),
  hours: decimalOutput('1.50', 2, 3),
  hourlyRate: moneyOutput(),
  amount: moneyOutput(),
  description: z.string(),
  createdAt: timestampOutput(),
});
export type LaborLineJson = z.infer<typeof laborLineOutput>;

export const partLineOutput = z.object({
  id: idOutput(),
  ticketId: idOutput(),
  partId: idOutput(),
  quantity: z.number().int().min(1).max(PART_USE_MAX),
  unitPrice: moneyOutput(),
  amount: moneyOutput(),
  createdAt: timestampOutput(),
});
export type PartLineJson = z.infer<typeof partLineOutput>;

/** Ticket totals are DECIMAL(16,2). */
const ticketTotal = () => decimalOutput('142.50', 2, 14).nullable();

export const ticketOutput = z.object({
  id: idOutput(),
  ticketNumber: z
    .string()
    .regex(/^ST-\d{6,}$/)
    .meta({ examples: ['ST-000042'] }),
  carId: idOutput(),
  customerId: idOutput(),
  complaint: z.string(),
  status: z.enum(['open', 'closed']),
  openedAt: timestampOutput(),
  closedAt: timestampOutput().nullable(),
  laborTotal: ticketTotal().meta({ description: 'fixed when the ticket closes; null while open' }),
  partsTotal: ticketTotal(),
  total: ticketTotal(),
});
export type TicketJson = z.infer<typeof ticketOutput>;

export const ticketDetailOutput = ticketOutput.extend({
  laborLines: z.array(laborLineOutput),
  partLines: z.array(partLineOutput),
});
export type TicketDetailJson = z.infer<typeof ticketDetailOutput>;

export const ticketListQuery = z.strictObject({
  ...pagination,
  status: z.enum(['open', 'closed']).optional(),
});
export const historyQuery = z.strictObject({ ...pagination });
