import type { Middleware } from 'koa';
import type { Logger } from '../logger.js';
import { HttpError, toProblem } from './problem.js';

/** Errors thrown by koa-router (405/501) and http-errors carry a status and `expose`. */
function isExposedHttpError(error: unknown): error is { status: number; message: string } {
  const candidate = error as { status?: unknown; expose?: unknown };
  return typeof candidate?.status === 'number' && candidate.expose === true;
}

/** The one error path: every thrown error becomes an application/problem+json response. */
export function errorHandler(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new HttpError(404, `no route for ${ctx.method} ${ctx.path}`);
      }
    } catch (thrown) {
      const error =
        isExposedHttpError(thrown) && !(thrown instanceof HttpError)
          ? new HttpError(thrown.status, thrown.message)
          : thrown;
      const { problem, headers, expected } = toProblem(error);
      if (!expected) {
        const log = ctx.state.log as Logger;
        if (problem.status === 503) log.warn({ err: error }, 'database unavailable');
        else log.error({ err: error }, 'unhandled error');
      }
      ctx.set(headers);
      ctx.status = problem.status;
      ctx.body = problem;
      ctx.type = 'application/problem+json';
    }
  };
}
