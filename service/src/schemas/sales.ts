import { z } from 'zod';
import { idOutput, idReference, moneyInput, moneyOutput, pagination, timestampOutput } from './fields.js';

export const saleCreate = z.strictObject({
  carId: idReference(),
  customerId: idReference(),
  salespersonId: idReference(),
  salePrice: moneyInput(),
});

export const invoiceOutput = z.object({
  id: idOutput(),
  invoiceNumber: z
    .string()
    .regex(/^INV-\d{6,}$/)
    .meta({ examples: ['INV-000042'] }),
  carId: idOutput(),
  customerId: idOutput(),
  salespersonId: idOutput(),
  salePrice: moneyOutput(),
  soldAt: timestampOutput(),
});
export type InvoiceJson = z.infer<typeof invoiceOutput>;

export const invoiceListQuery = z.strictObject({ ...pagination });
