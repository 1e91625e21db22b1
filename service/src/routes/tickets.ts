import type { Database } from '../db/database.js';
import {
  addLabor,
  closeTicket,
  getTicket,
  listTickets,
  openTicket,
  serviceHistory,
  useParts,
} from '../domain/tickets.js';
import type { Api } from '../http/api.js';
import { STAFF, WORKSHOP } from '../http/roles.js';
import { idParams, listOf } from '../schemas/fields.js';
import {
  historyQuery,
  laborCreate,
  laborLineOutput,
  partLineOutput,
  partUseCreate,
  ticketCreate,
  ticketDetailOutput,
  ticketListQuery,
  ticketOutput,
} from '../schemas/tickets.js';

const TAG = 'Service';

export function registerTicketRoutes(api: Api, db: Database): void {
  api.route({
    method: 'post',
    path: '/service-tickets',
    tag: TAG,
    summary: 'Open a service ticket for a car brought in (409 while the car has an open one)',
    access: WORKSHOP,
    body: ticketCreate,
    status: 201,
    response: ticketOutput,
    errors: [409, 422],
    location: (ticket) => `/service-tickets/${ticket.id}`,
    handle: ({ body }) => openTicket(db, body),
  });
  api.route({
    method: 'get',
    path: '/service-tickets',
    tag: TAG,
    summary: 'List service tickets, newest first',
    access: WORKSHOP,
    query: ticketListQuery,
    status: 200,
    response: listOf(ticketOutput),
    handle: ({ query: { limit, offset, status } }) => listTickets(db, { status }, { limit, offset }),
  });
  api.route({
    method: 'get',
    path: '/service-tickets/{id}',
    tag: TAG,
    summary: 'Get a service ticket with its labor and part lines',
    access: WORKSHOP,
    params: idParams,
    status: 200,
    response: ticketDetailOutput,
    errors: [404],
    handle: ({ params }) => getTicket(db, params.id),
  });
  api.route({
    method: 'post',
    path: '/service-tickets/{id}/labor',
    tag: TAG,
    summary: "Add a mechanic's hours to an open ticket (priced at the mechanic's current rate)",
    access: WORKSHOP,
    params: idParams,
    body: laborCreate,
    status: 201,
    response: laborLineOutput,
    errors: [404, 409, 422],
    handle: ({ params, body }) => addLabor(db, params.id, body),
  });
  api.route({
    method: 'post',
    path: '/service-tickets/{id}/parts',
    tag: TAG,
    summary: 'Use parts on an open ticket, taking them from stock (409 when not enough)',
    access: WORKSHOP,
    params: idParams,
    body: partUseCreate,
    status: 201,
    response: partLineOutput,
    errors: [404, 409, 422],
    handle: ({ params, body }) => useParts(db, params.id, body),
  });
  api.route({
    method: 'post',
    path: '/service-tickets/{id}/close',
    tag: TAG,
    summary: 'Close a ticket, fixing its labor, parts and total',
    access: WORKSHOP,
    params: idParams,
    status: 200,
    response: ticketOutput,
    errors: [404, 409],
    handle: ({ params }) => closeTicket(db, params.id),
  });
  api.route({
    method: 'get',
    path: '/cars/{id}/service-history',
    tag: TAG,
    summary: "A car's service tickets, newest first",
    access: STAFF,
    params: idParams,
    query: historyQuery,
    status: 200,
    response: listOf(ticketOutput),
    errors: [404],
    handle: ({ params, query }) => serviceHistory(db, params.id, query),
  });
}
