import { z } from 'zod';
import { idReference, moneyInput, moneyOutput, pagination, timestampOutput } from './fields.js';

export const saleCreate = z.strictObject({
  carId: idReference(),
  customerId: idReference(),
  salespersonId: idReference(),
  salePrice: moneyInput(),
});
export type SaleInput = z.output<typeof saleCreate>;

export const invoiceOutput = z.object({
  id: z.number().int(),
  invoiceNumber: z.string().meta({ examples: ['INV-000042'] }),
  carId: z.number().int(),
  customerId: z.number().int(),
  salespersonId: z.number().int(),
  salePrice: moneyOutput(),
  soldAt: timestampOutput(),
});
export type InvoiceJson = z.infer<typeof invoiceOutput>;

export const invoiceListQuery = z.strictObject({ ...pagination });
