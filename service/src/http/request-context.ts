import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../logger.js';

const SAFE_ID = /^[\w.:;=/+@-]{1,200}$/;

/** The caller's request id (X-Request-Id, else the ALB's X-Amzn-Trace-Id), or a new one. */
export function requestIdOf(headers: Record<string, string | string[] | undefined>): string {
  for (const name of ['x-request-id', 'x-amzn-trace-id']) {
    const value = headers[name];
    if (typeof value === 'string' && SAFE_ID.test(value)) return value;
  }
  return randomUUID();
}

/**
 * Gives every request an id (echoed in X-Request-Id) and a child logger, and writes one log line when
 * the response is done. Headers are not logged, so bearer tokens never reach the log.
 */
export function requestContext(logger: Logger): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(ctx.headers);
    ctx.set('X-Request-Id', requestId);
    ctx.state.log = logger.child({ requestId });
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10 };
      if (ctx.status >= 500) ctx.state.log.error(line, 'request');
      else if (ctx.path.startsWith('/health/'))
        ctx.state.log.debug(line, 'request'); // the ALB asks every few seconds
      else ctx.state.log.info(line, 'request');
    }
  };
}
