import { z } from 'zod';
import { decimalOutput, idOutput } from './fields.js';

const day = z.iso.date().meta({ description: 'a calendar day (UTC), YYYY-MM-DD', examples: ['2026-01-31'] });

export const salesReportQuery = z
  .strictObject({ from: day.optional(), to: day.optional() })
  .refine((query) => !query.from || !query.to || query.from <= query.to, {
    message: 'from must not be after to',
    path: ['from'],
  });

export const salesReportOutput = z.array(
  z.object({
    salespersonId: idOutput(),
    firstName: z.string(),
    lastName: z.string(),
    carsSold: z.number().int().min(1),
    revenue: decimalOutput('124995.00', 2, 30),
  }),
);
export type SalesReportJson = z.infer<typeof salesReportOutput>;
