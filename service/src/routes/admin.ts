import type { Database } from '../db/database.js';
import { formatDecimal } from '../domain/money.js';
import { salesBySalesperson } from '../domain/reports.js';
import { issueToken, revokeToken } from '../domain/tokens.js';
import type { Api } from '../http/api.js';
import { ADMIN } from '../http/roles.js';
import { idParams } from '../schemas/fields.js';
import { salesReportOutput, salesReportQuery } from '../schemas/reports.js';
import { tokenCreate, tokenOutput } from '../schemas/tokens.js';

/** Tokens and reports: admin only. */
export function registerAdminRoutes(api: Api, db: Database): void {
  api.route({
    method: 'post',
    path: '/tokens',
    operationId: 'issueToken',
    tag: 'Tokens',
    summary: 'Issue a bearer token for a role (the token is shown once)',
    access: ADMIN,
    body: tokenCreate,
    status: 201,
    response: tokenOutput,
    handle: ({ body }) => issueToken(db, body),
  });
  api.route({
    method: 'delete',
    path: '/tokens/{id}',
    operationId: 'revokeToken',
    tag: 'Tokens',
    summary: 'Revoke a token; it stops working at once',
    access: ADMIN,
    params: idParams,
    status: 204,
    errors: [404],
    handle: ({ params }) => revokeToken(db, params.id),
  });
  api.route({
    method: 'get',
    path: '/reports/sales-by-salesperson',
    operationId: 'getSalesBySalesperson',
    tag: 'Reports',
    summary: 'Cars sold and revenue per salesperson between two days (both included)',
    access: ADMIN,
    query: salesReportQuery,
    status: 200,
    response: salesReportOutput,
    handle: async ({ query }) =>
      (await salesBySalesperson(db, query)).map((row) => ({ ...row, revenue: formatDecimal(row.revenue) })),
  });
}
