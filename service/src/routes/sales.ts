import type { Database } from '../db/database.js';
import { getInvoice, listInvoices, sellCar } from '../domain/sales.js';
import type { Api } from '../http/api.js';
import { SELLERS } from '../http/roles.js';
import { idParams, listOf } from '../schemas/fields.js';
import { invoiceListQuery, invoiceOutput, saleCreate } from '../schemas/sales.js';

export function registerSalesRoutes(api: Api, db: Database): void {
  api.route({
    method: 'post',
    path: '/sales',
    tag: 'Sales',
    summary: 'Sell an in-stock car: writes its invoice and marks it sold, in one transaction',
    access: SELLERS,
    body: saleCreate,
    status: 201,
    response: invoiceOutput,
    errors: [409, 422],
    location: (invoice) => `/invoices/${invoice.id}`,
    handle: ({ body }) => sellCar(db, body),
  });
  api.route({
    method: 'get',
    path: '/invoices',
    tag: 'Sales',
    summary: 'List invoices',
    access: SELLERS,
    query: invoiceListQuery,
    status: 200,
    response: listOf(invoiceOutput),
    handle: ({ query }) => listInvoices(db, query),
  });
  api.route({
    method: 'get',
    path: '/invoices/{id}',
    tag: 'Sales',
    summary: 'Get one invoice',
    access: SELLERS,
    params: idParams,
    status: 200,
    response: invoiceOutput,
    errors: [404],
    handle: ({ params }) => getInvoice(db, params.id),
  });
}
