import type { Database } from '../db/database.js';
import type { InvoiceRow } from '../db/models.js';
import { formatDecimal } from '../domain/money.js';
import { getInvoice, invoiceNumber, listInvoices, sellCar } from '../domain/sales.js';
import type { Api } from '../http/api.js';
import { SELLERS } from '../http/roles.js';
import { idParams, listOf } from '../schemas/fields.js';
import { type InvoiceJson, invoiceListQuery, invoiceOutput, saleCreate } from '../schemas/sales.js';
import { iso, pageJson } from './present.js';

const invoiceJson = (row: InvoiceRow): InvoiceJson => ({
  id: row.id,
  invoiceNumber: invoiceNumber(row.id),
  carId: row.carId,
  customerId: row.customerId,
  salespersonId: row.salespersonId,
  salePrice: formatDecimal(row.salePrice),
  soldAt: iso(row.soldAt),
});

const TAG = 'Sales';

export function registerSalesRoutes(api: Api, db: Database): void {
  api.route({
    method: 'post',
    path: '/sales',
    operationId: 'sellCar',
    tag: TAG,
    summary: 'Sell an in-stock car: writes its invoice and marks it sold, in one transaction',
    access: SELLERS,
    body: saleCreate,
    status: 201,
    response: invoiceOutput,
    errors: [409, 422],
    location: (invoice) => `/invoices/${invoice.id}`,
    handle: async ({ body }) => invoiceJson(await sellCar(db, body)),
  });
  api.route({
    method: 'get',
    path: '/invoices',
    operationId: 'listInvoices',
    tag: TAG,
    summary: 'List invoices',
    access: SELLERS,
    query: invoiceListQuery,
    status: 200,
    response: listOf(invoiceOutput),
    handle: async ({ query }) => pageJson(await listInvoices(db, query), invoiceJson, query),
  });
  api.route({
    method: 'get',
    path: '/invoices/{id}',
    operationId: 'getInvoice',
    tag: TAG,
    summary: 'Get one invoice',
    access: SELLERS,
    params: idParams,
    status: 200,
    response: invoiceOutput,
    errors: [404],
    handle: async ({ params }) => invoiceJson(await getInvoice(db, params.id)),
  });
}
