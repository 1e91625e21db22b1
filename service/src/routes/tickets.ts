import type { Database } from '../db/database.js';
import type { LaborLineRow, PartLineRow, TicketRow } from '../db/models.js';
import { formatDecimal } from '../domain/money.js';
import {
  addLabor,
  closeTicket,
  getTicket,
  listTickets,
  openTicket,
  serviceHistory,
  ticketNumber,
  useParts,
} from '../domain/tickets.js';
import type { Api } from '../http/api.js';
import { STAFF, WORKSHOP } from '../http/roles.js';
import { idParams, listOf } from '../schemas/fields.js';
import {
  historyQuery,
  type LaborLineJson,
  laborCreate,
  laborLineOutput,
  type PartLineJson,
  partLineOutput,
  partUseCreate,
  type TicketJson,
  ticketCreate,
  ticketDetailOutput,
  ticketListQuery,
  ticketOutput,
} from '../schemas/tickets.js';
import { iso, pageJson } from './present.js';

const moneyOrNull = (value: TicketRow['total']): string | null =>
  value === null ? null : formatDecimal(value);

const ticketJson = (row: TicketRow): TicketJson => ({
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
});

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

const TAG = 'Service';

export function registerTicketRoutes(api: Api, db: Database): void {
  /** What the routes on one ticket share: the workshop's, by the ticket's id. */
  const onTicket = { tag: TAG, access: WORKSHOP, params: idParams } as const;
  /** What adding a line (labor, parts) to an open ticket shares: 404 no ticket, 409 closed or short, 422 bad line. */
  const addsLine = { method: 'post' as const, ...onTicket, status: 201, errors: [404, 409, 422] };
  api.route({
    method: 'post',
    path: '/service-tickets',
    operationId: 'openServiceTicket',
    tag: TAG,
    summary: 'Open a service ticket for a car brought in (409 while the car has an open one)',
    access: WORKSHOP,
    body: ticketCreate,
    status: 201,
    response: ticketOutput,
    errors: [409, 422],
    location: (ticket) => `/service-tickets/${ticket.id}`,
    handle: async ({ body }) => ticketJson(await openTicket(db, body)),
  });
  api.route({
    method: 'get',
    path: '/service-tickets',
    operationId: 'listServiceTickets',
    tag: TAG,
    summary: 'List service tickets, newest first',
    access: WORKSHOP,
    query: ticketListQuery,
    status: 200,
    response: listOf(ticketOutput),
    handle: async ({ query: { limit, offset, status } }) =>
      pageJson(await listTickets(db, { status }, { limit, offset }), ticketJson, { limit, offset }),
  });
  api.route({
    method: 'get',
    path: '/service-tickets/{id}',
    operationId: 'getServiceTicket',
    ...onTicket,
    summary: 'Get a service ticket with its labor and part lines',
    status: 200,
    response: ticketDetailOutput,
    errors: [404],
    handle: async ({ params }) => {
      const { ticket, laborLines, partLines } = await getTicket(db, params.id);
      return {
        ...ticketJson(ticket),
        laborLines: laborLines.map(laborJson),
        partLines: partLines.map(partLineJson),
      };
    },
  });
  api.route({
    ...addsLine,
    path: '/service-tickets/{id}/labor',
    operationId: 'addLabor',
    summary: "Add a mechanic's hours to an open ticket (priced at the mechanic's current rate)",
    body: laborCreate,
    response: laborLineOutput,
    handle: async ({ params, body }) => laborJson(await addLabor(db, params.id, body)),
  });
  api.route({
    ...addsLine,
    path: '/service-tickets/{id}/parts',
    operationId: 'useParts',
    summary: 'Use parts on an open ticket, taking them from stock (409 when not enough)',
    body: partUseCreate,
    response: partLineOutput,
    handle: async ({ params, body }) => partLineJson(await useParts(db, params.id, body)),
  });
  api.route({
    method: 'post',
    path: '/service-tickets/{id}/close',
    operationId: 'closeServiceTicket',
    ...onTicket,
    summary: 'Close a ticket, fixing its labor, parts and total',
    status: 200,
    response: ticketOutput,
    errors: [404, 409],
    handle: async ({ params }) => ticketJson(await closeTicket(db, params.id)),
  });
  api.route({
    method: 'get',
    path: '/cars/{id}/service-history',
    operationId: 'getServiceHistory',
    tag: TAG,
    summary: "A car's service tickets, newest first",
    access: STAFF,
    params: idParams,
    query: historyQuery,
    status: 200,
    response: listOf(ticketOutput),
    errors: [404],
    handle: async ({ params, query }) =>
      pageJson(await serviceHistory(db, params.id, query), ticketJson, query),
  });
}
