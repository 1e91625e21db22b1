import type { Database } from '../db/database.js';
import type { InvoiceRow } from '../db/models.js';
import type { Page } from '../schemas/fields.js';
import type { InvoiceJson, SaleInput } from '../schemas/sales.js';
import { conflict, type FieldError, missingReferences, notFound } from './errors.js';
import { formatDecimal } from './money.js';

export const invoiceNumber = (id: number): string => `INV-${String(id).padStart(6, '0')}`;

export function invoiceJson(row: InvoiceRow): InvoiceJson {
  return {
    id: row.id,
    invoiceNumber: invoiceNumber(row.id),
    carId: row.carId,
    customerId: row.customerId,
    salespersonId: row.salespersonId,
    salePrice: formatDecimal(row.salePrice),
    soldAt: new Date(row.soldAt).toISOString(),
  };
}

/**
 * Sells a car in one transaction: the car row is locked (SELECT … FOR UPDATE on MySQL; SQLite runs one
 * writer at a time) while it is checked to be in stock, the invoice is written and the car becomes
 * sold. A second sale of the same car waits for the lock and then finds it sold (409); the unique
 * invoice.car_id index backs this up. Any failure rolls everything back.
 */
export async function sellCar(db: Database, sale: SaleInput): Promise<InvoiceJson> {
  return db.transaction(async (transaction, { Car, Customer, Salesperson, Invoice }) => {
    const car = await Car.findByPk(sale.carId, { transaction, lock: transaction.LOCK.UPDATE });
    const [customer, salesperson] = await Promise.all([
      Customer.findByPk(sale.customerId, { transaction }),
      Salesperson.findByPk(sale.salespersonId, { transaction }),
    ]);
    const missing: FieldError[] = [];
    if (car === null) missing.push({ path: 'body.carId', message: `car ${sale.carId} does not exist` });
    if (customer === null)
      missing.push({ path: 'body.customerId', message: `customer ${sale.customerId} does not exist` });
    if (salesperson === null) {
      missing.push({
        path: 'body.salespersonId',
        message: `salesperson ${sale.salespersonId} does not exist`,
      });
    }
    if (car === null || missing.length > 0) throw missingReferences(missing);
    const status = car.get('status');
    if (status !== 'in_stock') throw conflict(`car ${sale.carId} is not in stock (status ${status})`);
    const invoice = await Invoice.create(
      {
        carId: sale.carId,
        customerId: sale.customerId,
        salespersonId: sale.salespersonId,
        salePrice: sale.salePrice,
        soldAt: new Date(),
      },
      { transaction },
    );
    await car.update({ status: 'sold' }, { transaction });
    return invoiceJson(invoice.get({ plain: true }));
  });
}

export async function listInvoices(
  db: Database,
  page: { limit: number; offset: number },
): Promise<Page<InvoiceJson>> {
  const { rows, count } = await db.read(({ Invoice }) =>
    Invoice.findAndCountAll({ limit: page.limit, offset: page.offset, order: [['id', 'ASC']] }),
  );
  return { items: rows.map((row) => invoiceJson(row.get({ plain: true }))), total: count, ...page };
}

export async function getInvoice(db: Database, id: number): Promise<InvoiceJson> {
  const row = await db.primary.Invoice.findByPk(id);
  if (row === null) throw notFound('invoice', id);
  return invoiceJson(row.get({ plain: true }));
}
