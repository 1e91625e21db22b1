import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../logger.js';
import type { Lifecycle } from './lifecycle.js';

const SAFE_ID = /^[\w.:;=/+@-]{1,200}$/;

/** The caller's request id (X-Request-Id, else the ALB's X-Amzn-Trace-Id), or a new one. */
export function requestIdOf(headers: Record<string, string | string[] | undefined>): string {
  for (const name of ['x-request-id', 'x-amzn-trace-id']) {
    const value = headers[name];
    if (typeof value === 'string' && SAFE_ID.test(value)) return value;
  }
  return randomUUID();
}

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * The level of a request's log line: a 500 is a bug (error); a 503 while draining is the drain working
 * (info), any other 503 the database being unreachable (warn); health checks (the ALB asks every few
 * seconds) are at debug while all is well.
 */
function levelOf(path: string, status: number, draining: boolean): Level {
  if (status === 500) return 'error';
  if (status === 503) return draining ? 'info' : 'warn';
  return path.startsWith('/health/') && status < 400 ? 'debug' : 'info';
}

/**
 * Gives every request an id (echoed in X-Request-Id) and a logger bound to it (`ctx.state.log`, made
 * only when something logs besides the request line), and writes one log line when the response is
 * done. Headers are not logged, so bearer tokens never reach the log.
 */
export function requestContext(logger: Logger, lifecycle: Lifecycle): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(ctx.headers);
    ctx.set('X-Request-Id', requestId);
    let child: Logger | undefined;
    Object.defineProperty(ctx.state, 'log', { get: () => (child ??= logger.child({ requestId })) });
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = {
        requestId,
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        ms: Math.round(ms * 10) / 10,
      };
      logger[levelOf(ctx.path, ctx.status, lifecycle.draining)](line, 'request');
    }
  };
}
