import { z } from 'zod';
import {
  decimal,
  decimalOutput,
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
export type TicketInput = z.output<typeof ticketCreate>;

export const laborCreate = z.strictObject({
  mechanicId: idReference(),
  hours: decimal({ integerDigits: 3, scale: 2, example: '1.50' }).refine(
    (hours) => Number(hours) > 0,
    'must be more than 0',
  ),
  description: text(1000),
});
export type LaborInput = z.output<typeof laborCreate>;

export const partUseCreate = z.strictObject({
  partId: idReference(),
  quantity: z.number().int().min(1).max(10_000),
});
export type PartUseInput = z.output<typeof partUseCreate>;

export const laborLineOutput = z.object({
  id: z.number().int(),
  ticketId: z.number().int(),
  mechanicId: z.number().int(),
  hours: decimalOutput('1.50'),
  hourlyRate: moneyOutput(),
  amount: moneyOutput(),
  description: z.string(),
  createdAt: timestampOutput(),
});
export type LaborLineJson = z.infer<typeof laborLineOutput>;

export const partLineOutput = z.object({
  id: z.number().int(),
  ticketId: z.number().int(),
  partId: z.number().int(),
  quantity: z.number().int(),
  unitPrice: moneyOutput(),
  amount: moneyOutput(),
  createdAt: timestampOutput(),
});
export type PartLineJson = z.infer<typeof partLineOutput>;

export const ticketOutput = z.object({
  id: z.number().int(),
  ticketNumber: z.string().meta({ examples: ['ST-000042'] }),
  carId: z.number().int(),
  customerId: z.number().int(),
  complaint: z.string(),
  status: z.enum(['open', 'closed']),
  openedAt: timestampOutput(),
  closedAt: timestampOutput().nullable(),
  laborTotal: moneyOutput().nullable().meta({ description: 'fixed when the ticket closes; null while open' }),
  partsTotal: moneyOutput().nullable(),
  total: moneyOutput().nullable(),
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
