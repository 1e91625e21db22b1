import { z } from 'zod';
import { moneyOutput } from './fields.js';

const day = z.iso.date().meta({ description: 'a calendar day (UTC), YYYY-MM-DD', examples: ['2026-01-31'] });

export const salesReportQuery = z
  .strictObject({ from: day.optional(), to: day.optional() })
  .refine((query) => !query.from || !query.to || query.from <= query.to, {
    message: 'from must not be after to',
    path: ['from'],
  });

export const salesReportOutput = z.array(
  z.object({
    salespersonId: z.number().int(),
    firstName: z.string(),
    lastName: z.string(),
    carsSold: z.number().int(),
    revenue: moneyOutput(),
  }),
);
export type SalesReportJson = z.infer<typeof salesReportOutput>;
