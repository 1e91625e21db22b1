import Koa from 'koa';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { ReadinessCheck } from '../db/readiness.js';
import { authenticate } from '../domain/tokens.js';
import type { Logger } from '../logger.js';
import { registerAdminRoutes } from '../routes/admin.js';
import { registerCatalogRoutes } from '../routes/catalog.js';
import { registerSalesRoutes } from '../routes/sales.js';
import { registerTicketRoutes } from '../routes/tickets.js';
import type { VersionInfo } from '../version.js';
import { Api } from './api.js';
import { registerDocs } from './docs.js';
import { errorHandler } from './error-handler.js';
import { type Lifecycle, registerLifecycle } from './lifecycle.js';
import { requestContext } from './request-context.js';

export interface AppDependencies {
  config: Config;
  db: Database;
  logger: Logger;
  lifecycle: Lifecycle;
  version: VersionInfo;
}

export function createApp({ config, db, logger, lifecycle, version }: AppDependencies): Koa {
  const api = new Api((bearer) => authenticate(db, bearer, config.adminToken));
  let document: Record<string, unknown> | undefined;
  registerLifecycle(api, new ReadinessCheck(db, logger), lifecycle, version, () => {
    document ??= api.openApi({ title: 'Dealership API', version: version.version });
    return document;
  });
  registerCatalogRoutes(api, db);
  registerSalesRoutes(api, db);
  registerTicketRoutes(api, db);
  registerAdminRoutes(api, db);

  const { router } = api;
  registerDocs(router);

  const app = new Koa();
  app.proxy = true;
  app.silent = true;
  app.use(requestContext(logger, lifecycle));
  app.use(errorHandler());
  app.use(async (ctx, next) => {
    // While draining, ask clients (the ALB) not to reuse this connection.
    if (lifecycle.draining) ctx.set('Connection', 'close');
    await next();
    // The router answers OPTIONS with the route's Allow header and no content: say so with 204.
    if (ctx.method === 'OPTIONS' && ctx.status === 200 && ctx.body === '') ctx.status = 204;
  });
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
  return app;
}
