import type { Database } from '../db/database.js';
import { type Page, type PageRequest, selectPage } from '../db/list-query.js';
import type { InvoiceRow } from '../db/models.js';
import { conflict, type FieldProblem, missingReferences, notFound } from './errors.js';

export interface SaleInput {
  carId: number;
  customerId: number;
  salespersonId: number;
  /** Canonical decimal text, e.g. "23999.00". */
  salePrice: string;
}

export const invoiceNumber = (id: number): string => `INV-${String(id).padStart(6, '0')}`;

/**
 * Sells a car in one transaction: the car row is locked (SELECT … FOR UPDATE on MySQL; SQLite runs one
 * writer at a time) while it is checked to be in stock, the invoice is written and the car becomes
 * sold. A second sale of the same car waits for the lock and then finds it sold (409); the unique
 * invoice.car_id index backs this up. Any failure rolls everything back.
 */
export function sellCar(db: Database, sale: SaleInput): Promise<InvoiceRow> {
  return db.transaction(async (transaction, { Car, Customer, Salesperson, Invoice }) => {
    const car = await Car.findByPk(sale.carId, { transaction, lock: transaction.LOCK.UPDATE });
    const [customer, salesperson] = await Promise.all([
      Customer.findByPk(sale.customerId, { transaction }),
      Salesperson.findByPk(sale.salespersonId, { transaction }),
    ]);
    const missing: FieldProblem[] = [];
    if (car === null) missing.push({ field: 'carId', message: `car ${sale.carId} does not exist` });
    if (customer === null)
      missing.push({ field: 'customerId', message: `customer ${sale.customerId} does not exist` });
    if (salesperson === null) {
      missing.push({ field: 'salespersonId', message: `salesperson ${sale.salespersonId} does not exist` });
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
    return invoice.get({ plain: true });
  });
}

export function listInvoices(db: Database, page: PageRequest): Promise<Page<InvoiceRow>> {
  return db.read(({ Invoice }) => selectPage<InvoiceRow>(Invoice, { page }));
}

export async function getInvoice(db: Database, id: number): Promise<InvoiceRow> {
  const row = await db.readPrimary(({ Invoice }) => Invoice.findByPk(id));
  if (row === null) throw notFound('invoice', id);
  return row.get({ plain: true });
}
