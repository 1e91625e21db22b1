import type { Transaction } from 'sequelize';
import { Op } from 'sequelize';
import type { Database } from '../db/database.js';
import type { LaborLineRow, Models, PartLineRow, TicketRow } from '../db/models.js';
import type { Page } from '../schemas/fields.js';
import type {
  LaborInput,
  LaborLineJson,
  PartLineJson,
  PartUseInput,
  TicketDetailJson,
  TicketInput,
  TicketJson,
} from '../schemas/tickets.js';
import { conflict, type FieldError, missingReferences, notFound } from './errors.js';
import { formatDecimal, laborAmount, lineAmount, sumMoney, toScaled } from './money.js';

/** Ticket totals are DECIMAL(16,2). */
const MAX_TICKET_TOTAL_CENTS = 99_999_999_999_999_99n;

export const ticketNumber = (id: number): string => `ST-${String(id).padStart(6, '0')}`;
const iso = (value: Date | string): string => new Date(value).toISOString();
const moneyOrNull = (value: TicketRow['total']): string | null =>
  value === null ? null : formatDecimal(value);

export function ticketJson(row: TicketRow): TicketJson {
  return {
    id: row.id,
    ticketNumber: ticketNumber(row.id),
    carId: row.carId,
    customerId: row.customerId,
    complaint: row.complaint,
    status: row.status,
    openedAt: iso(row.openedAt),
    closedAt: row.closedAt === null ? null : iso(row.closedAt),
    laborTotal: moneyOrNull(row.laborTotal),
    partsTotal: moneyOrNull(row.partsTotal),
    total: moneyOrNull(row.total),
  };
}

const laborJson = (row: LaborLineRow): LaborLineJson => ({
  id: row.id,
  ticketId: row.ticketId,
  mechanicId: row.mechanicId,
  hours: formatDecimal(row.hours),
  hourlyRate: formatDecimal(row.hourlyRate),
  amount: formatDecimal(row.amount),
  description: row.description,
  createdAt: iso(row.createdAt),
});

const partLineJson = (row: PartLineRow): PartLineJson => ({
  id: row.id,
  ticketId: row.ticketId,
  partId: row.partId,
  quantity: row.quantity,
  unitPrice: formatDecimal(row.unitPrice),
  amount: formatDecimal(row.amount),
  createdAt: iso(row.createdAt),
});

export async function openTicket(db: Database, input: TicketInput): Promise<TicketJson> {
  return db.transaction(async (transaction, { Car, Customer, Ticket }) => {
    // The car lock comes first, before any plain read: on MySQL the transaction's snapshot starts at its
    // first plain read, so the open-ticket check below then sees every ticket committed before the lock.
    const car = await Car.findByPk(input.carId, { transaction, lock: transaction.LOCK.UPDATE });
    const customer = await Customer.findByPk(input.customerId, { transaction });
    const missing: FieldError[] = [];
    if (car === null) missing.push({ path: 'body.carId', message: `car ${input.carId} does not exist` });
    if (customer === null)
      missing.push({ path: 'body.customerId', message: `customer ${input.customerId} does not exist` });
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
    return ticketJson(row.get({ plain: true }));
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

export async function addLabor(db: Database, ticketId: number, input: LaborInput): Promise<LaborLineJson> {
  return db.transaction(async (transaction, models) => {
    await lockOpenTicket(models, transaction, ticketId);
    const mechanic = await models.Mechanic.findByPk(input.mechanicId, { transaction });
    if (mechanic === null) {
      throw missingReferences([
        { path: 'body.mechanicId', message: `mechanic ${input.mechanicId} does not exist` },
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
    return laborJson(line.get({ plain: true }));
  });
}

/**
 * Uses parts on a ticket. Stock is taken with one conditional UPDATE (… WHERE quantity_on_hand >= n),
 * so concurrent uses can never drive it below zero; no row updated means not enough stock (409).
 */
export async function useParts(db: Database, ticketId: number, input: PartUseInput): Promise<PartLineJson> {
  return db.transaction(async (transaction, models) => {
    await lockOpenTicket(models, transaction, ticketId);
    const { Part, PartLine, sequelize } = models;
    const [affected] = await Part.update(
      { quantityOnHand: sequelize.literal(`quantity_on_hand - ${input.quantity}`) as unknown as number },
      { where: { id: input.partId, quantityOnHand: { [Op.gte]: input.quantity } }, transaction },
    );
    const part = await Part.findByPk(input.partId, { transaction });
    if (part === null) {
      throw missingReferences([{ path: 'body.partId', message: `part ${input.partId} does not exist` }]);
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
    return partLineJson(line.get({ plain: true }));
  });
}

/** Closes a ticket and fixes its totals from its lines; closing twice is 409. */
export async function closeTicket(db: Database, ticketId: number): Promise<TicketJson> {
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
    return ticketJson(ticket.get({ plain: true }));
  });
}

export async function getTicket(db: Database, id: number): Promise<TicketDetailJson> {
  const { Ticket, LaborLine, PartLine } = db.primary;
  const ticket = await Ticket.findByPk(id);
  if (ticket === null) throw notFound('service ticket', id);
  const [labor, partLines] = await Promise.all([
    LaborLine.findAll({ where: { ticketId: id }, order: [['id', 'ASC']] }),
    PartLine.findAll({ where: { ticketId: id }, order: [['id', 'ASC']] }),
  ]);
  return {
    ...ticketJson(ticket.get({ plain: true })),
    laborLines: labor.map((line) => laborJson(line.get({ plain: true }))),
    partLines: partLines.map((line) => partLineJson(line.get({ plain: true }))),
  };
}

export async function listTickets(
  db: Database,
  filters: { status?: 'open' | 'closed'; carId?: number },
  page: { limit: number; offset: number },
): Promise<Page<TicketJson>> {
  const where = {
    ...(filters.status ? { status: filters.status } : {}),
    ...(filters.carId !== undefined ? { carId: filters.carId } : {}),
  };
  const { rows, count } = await db.read(({ Ticket }) =>
    Ticket.findAndCountAll({
      where,
      limit: page.limit,
      offset: page.offset,
      order: [
        ['openedAt', 'DESC'],
        ['id', 'DESC'],
      ],
    }),
  );
  return { items: rows.map((row) => ticketJson(row.get({ plain: true }))), total: count, ...page };
}

/** A car's service history (by id; 404 for an unknown car), newest ticket first. */
export async function serviceHistory(
  db: Database,
  carId: number,
  page: { limit: number; offset: number },
): Promise<Page<TicketJson>> {
  if ((await db.primary.Car.findByPk(carId, { attributes: ['id'] })) === null) throw notFound('car', carId);
  return listTickets(db, { carId }, page);
}
