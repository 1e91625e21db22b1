import type Router from '@koa/router';
import type { Database } from '../db/database.js';
import type { VersionInfo } from '../version.js';

/** Whether the process is shutting down: readiness answers 503 from the moment SIGTERM arrives. */
export class Lifecycle {
  draining = false;
}

const READY_PROBE_TIMEOUT_MS = 2_000;

/** /health/live (no dependencies), /health/ready (the ALB's check) and /version, as plain middleware. */
export function registerLifecycle(
  router: Router,
  db: Database,
  lifecycle: Lifecycle,
  version: VersionInfo,
): void {
  router.get('/health/live', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/health/ready', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    if (lifecycle.draining) {
      ctx.status = 503;
      ctx.body = { status: 'draining' };
      return;
    }
    const reachable = await db.primaryReachable(READY_PROBE_TIMEOUT_MS);
    ctx.status = reachable ? 200 : 503;
    ctx.body = { status: reachable ? 'ready' : 'unavailable' };
  });
  router.get('/version', (ctx) => {
    ctx.body = version;
  });
}
