import type { Transaction } from 'sequelize';
import { Op } from 'sequelize';
import type { Database } from '../db/database.js';
import { type ListFilter, type Page, type PageRequest, selectPage } from '../db/list-query.js';
import type { LaborLineRow, Models, PartLineRow, TicketRow } from '../db/models.js';
import { conflict, type FieldProblem, missingReferences, notFound } from './errors.js';
import { formatDecimal, laborAmount, lineAmount, sumMoney, toScaled } from './money.js';

export interface TicketInput {
  carId: number;
  customerId: number;
  complaint: string;
}
export interface LaborInput {
  mechanicId: number;
  /** Canonical decimal text, e.g. "1.50". */
  hours: string;
  description: string;
}
export interface PartUseInput {
  partId: number;
  quantity: number;
}

/** A ticket with its labor and part lines, oldest line first. */
export interface TicketDetail {
  ticket: TicketRow;
  laborLines: LaborLineRow[];
  partLines: PartLineRow[];
}

/** Ticket totals are DECIMAL(16,2). */
const MAX_TICKET_TOTAL_CENTS = 99_999_999_999_999_99n;

export const ticketNumber = (id: number): string => `ST-${String(id).padStart(6, '0')}`;

export function openTicket(db: Database, input: TicketInput): Promise<TicketRow> {
  return db.transaction(async (transaction, { Car, Customer, Ticket }) => {
    // The car lock comes first, before any plain read: on MySQL the transaction's snapshot starts at its
    // first plain read, so the open-ticket check below then sees every ticket committed before the lock.
    const car = await Car.findByPk(input.carId, { transaction, lock: transaction.LOCK.UPDATE });
    const customer = await Customer.findByPk(input.customerId, { transaction });
    const missing: FieldProblem[] = [];
    if (car === null) missing.push({ field: 'carId', message: `car ${input.carId} does not exist` });
    if (customer === null)
      missing.push({ field: 'customerId', message: `customer ${input.customerId} does not exist` });
    if (missing.length > 0) throw missingReferences(missing);
    const alreadyOpen = await Ticket.findOne({ where: { carId: input.carId, status: 'open' }, transaction });
    if (alreadyOpen !== null) {
      throw conflict(
        `car ${input.carId} already has an open service ticket (${ticketNumber(alreadyOpen.get('id'))})`,
      );
    }
    const row = await Ticket.create(
      {
        carId: input.carId,
        customerId: input.customerId,
        complaint: input.complaint,
        status: 'open',
        openedAt: new Date(),
        closedAt: null,
        laborTotal: null,
        partsTotal: null,
        total: null,
      },
      { transaction },
    );
    return row.get({ plain: true });
  });
}

/** Locks the ticket for the rest of the transaction and insists it is open (closed → 409). */
async function lockOpenTicket(models: Models, transaction: Transaction, id: number) {
  const ticket = await models.Ticket.findByPk(id, { transaction, lock: transaction.LOCK.UPDATE });
  if (ticket === null) throw notFound('service ticket', id);
  if (ticket.get('status') !== 'open')
    throw conflict(`service ticket ${id} is closed; it takes no more changes`);
  return ticket;
}

export function addLabor(db: Database, ticketId: number, input: LaborInput): Promise<LaborLineRow> {
  return db.transaction(async (transaction, models) => {
    await lockOpenTicket(models, transaction, ticketId);
    const mechanic = await models.Mechanic.findByPk(input.mechanicId, { transaction });
    if (mechanic === null) {
      throw missingReferences([
        { field: 'mechanicId', message: `mechanic ${input.mechanicId} does not exist` },
      ]);
    }
    const hourlyRate = formatDecimal(mechanic.get('hourlyRate'));
    const line = await models.LaborLine.create(
      {
        ticketId,
        mechanicId: input.mechanicId,
        hours: input.hours,
        hourlyRate,
        amount: laborAmount(input.hours, hourlyRate),
        description: input.description,
        createdAt: new Date(),
      },
      { transaction },
    );
    return line.get({ plain: true });
  });
}

/**
 * Uses parts on a ticket. Stock is taken with one conditional UPDATE (… WHERE quantity_on_hand >= n),
 * so concurrent uses can never drive it below zero; no row updated means not enough stock (409).
 */
export function useParts(db: Database, ticketId: number, input: PartUseInput): Promise<PartLineRow> {
  return db.transaction(async (transaction, models) => {
    await lockOpenTicket(models, transaction, ticketId);
    const { Part, PartLine, sequelize } = models;
    const [affected] = await Part.update(
      { quantityOnHand: sequelize.literal(`quantity_on_hand - ${input.quantity}`) as unknown as number },
      { where: { id: input.partId, quantityOnHand: { [Op.gte]: input.quantity } }, transaction },
    );
    const part = await Part.findByPk(input.partId, { transaction });
    if (part === null) {
      throw missingReferences([{ field: 'partId', message: `part ${input.partId} does not exist` }]);
    }
    if (affected === 0) {
      throw conflict(
        `not enough stock of part ${input.partId}: ${part.get('quantityOnHand')} on hand, ${input.quantity} requested`,
      );
    }
    const unitPrice = formatDecimal(part.get('unitPrice'));
    const line = await PartLine.create(
      {
        ticketId,
        partId: input.partId,
        quantity: input.quantity,
        unitPrice,
        amount: lineAmount(unitPrice, input.quantity),
        createdAt: new Date(),
      },
      { transaction },
    );
    return line.get({ plain: true });
  });
}

/** Closes a ticket and fixes its totals from its lines; closing twice is 409. */
export function closeTicket(db: Database, ticketId: number): Promise<TicketRow> {
  return db.transaction(async (transaction, models) => {
    const ticket = await lockOpenTicket(models, transaction, ticketId);
    const [labor, partLines] = await Promise.all([
      models.LaborLine.findAll({ where: { ticketId }, transaction }),
      models.PartLine.findAll({ where: { ticketId }, transaction }),
    ]);
    const laborTotal = sumMoney(labor.map((line) => line.get('amount')));
    const partsTotal = sumMoney(partLines.map((line) => line.get('amount')));
    const total = sumMoney([laborTotal, partsTotal]);
    if (toScaled(total) > MAX_TICKET_TOTAL_CENTS) {
      throw conflict(`service ticket ${ticketId} would total ${total}, more than a ticket can hold`);
    }
    await ticket.update(
      {
        status: 'closed',
        closedAt: new Date(),
        laborTotal,
        partsTotal,
        total,
      },
      { transaction },
    );
    return ticket.get({ plain: true });
  });
}

export async function getTicket(db: Database, id: number): Promise<TicketDetail> {
  return db.readPrimary(async ({ Ticket, LaborLine, PartLine }) => {
    const ticket = await Ticket.findByPk(id);
    if (ticket === null) throw notFound('service ticket', id);
    const [laborLines, partLines] = await Promise.all([
      LaborLine.findAll({ where: { ticketId: id }, order: [['id', 'ASC']] }),
      PartLine.findAll({ where: { ticketId: id }, order: [['id', 'ASC']] }),
    ]);
    return {
      ticket: ticket.get({ plain: true }),
      laborLines: laborLines.map((line) => line.get({ plain: true })),
      partLines: partLines.map((line) => line.get({ plain: true })),
    };
  });
}

/** Tickets, newest first. */
export function listTickets(
  db: Database,
  filters: { status?: 'open' | 'closed'; carId?: number },
  page: PageRequest,
): Promise<Page<TicketRow>> {
  const conditions: ListFilter<TicketRow>[] = [];
  if (filters.status) conditions.push({ attribute: 'status', comparison: 'equals', value: filters.status });
  if (filters.carId !== undefined) {
    conditions.push({ attribute: 'carId', comparison: 'equals', value: filters.carId });
  }
  return db.read(({ Ticket }) =>
    selectPage<TicketRow>(Ticket, {
      filters: conditions,
      page,
      order: [
        ['openedAt', 'DESC'],
        ['id', 'DESC'],
      ],
    }),
  );
}

/** A car's service history (by id; 404 for an unknown car), newest ticket first. */
export async function serviceHistory(
  db: Database,
  carId: number,
  page: PageRequest,
): Promise<Page<TicketRow>> {
  const car = await db.readPrimary(({ Car }) => Car.findByPk(carId, { attributes: ['id'] }));
  if (car === null) throw notFound('car', carId);
  return listTickets(db, { carId }, page);
}
