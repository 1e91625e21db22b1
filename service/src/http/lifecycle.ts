import type Router from '@koa/router';
import type { ReadinessCheck } from '../db/readiness.js';
import type { VersionInfo } from '../version.js';

/** Whether the process is shutting down: readiness answers 503 from the moment SIGTERM arrives. */
export class Lifecycle {
  draining = false;
}

/** /health/live (no dependencies), /health/ready (the ALB's check) and /version, as plain middleware. */
export function registerLifecycle(
  router: Router,
  readiness: ReadinessCheck,
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
    const result = await readiness.check();
    ctx.status = result.ready ? 200 : 503;
    ctx.body = result.ready ? { status: 'ready' } : { status: 'unavailable', detail: result.reason };
  });
  router.get('/version', (ctx) => {
    ctx.body = version;
  });
}
