import Router from '@koa/router';
import type { Middleware } from 'koa';
import { z } from 'zod';
import type { Principal } from '../domain/tokens.js';
import { readJsonBody } from './json-body.js';
import { openApiDocument } from './openapi.js';
import { type FieldError, HttpError } from './problem.js';
import { type Access, Answer, type AnyObject, type AnySpec, type RouteSpec } from './route.js';

const NONE = z.strictObject({});
type None = typeof NONE;

/** Authenticates a bearer token; set by the app (it needs the database). */
export type Authenticator = (bearer: string) => Promise<Principal | undefined>;

/** Turns zod issues into `[{path, message}]`, with the input's location (`body`, `query`, `path`) first. */
export function fieldErrors(location: string, error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    const base = [location, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: `${base}.${key}`, message: 'unknown field' }));
    }
    return [{ path: base, message: issue.message }];
  });
}

function parse<S extends z.ZodType>(schema: S, value: unknown, location: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const errors = fieldErrors(location, result.error);
    throw new HttpError(
      400,
      `invalid ${location}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
      errors,
    );
  }
  return result.data;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

function unauthorized(detail: string): HttpError {
  return new HttpError(401, detail, undefined, { 'WWW-Authenticate': 'Bearer realm="dealership"' });
}

/**
 * The API's routes. Each route is a readable pipeline — auth(access) → validate(params, query, body) →
 * handler — and the same specs produce the OpenAPI document.
 */
export class Api {
  readonly router = new Router();
  private readonly specs: AnySpec[] = [];

  constructor(private readonly authenticate: Authenticator) {}

  route<P extends AnyObject = None, Q extends AnyObject = None, B extends z.ZodType = z.ZodUndefined>(
    spec: RouteSpec<P, Q, B>,
  ): void {
    if (this.specs.some((other) => other.operationId === spec.operationId)) {
      throw new Error(`operationId ${spec.operationId} is used twice`);
    }
    this.specs.push(spec);
    const koaPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
    this.router[spec.method](koaPath, this.auth(spec.access), async (ctx) => {
      if (spec.headers) ctx.set(spec.headers);
      // A path without parameters has nothing to validate.
      const params = spec.params === undefined ? {} : parse(spec.params, ctx.params, 'path');
      const query = parse(spec.query ?? NONE, ctx.query, 'query');
      const body =
        spec.body === undefined ? undefined : parse(spec.body, await readJsonBody(ctx.req), 'body');
      const result = await spec.handle({
        params: params as z.output<P>,
        query: query as z.output<Q>,
        body: body as z.output<B>,
      });
      if (result instanceof Answer) {
        ctx.status = result.status;
        ctx.body = result.body;
        return;
      }
      ctx.status = spec.status;
      if (spec.location !== undefined) ctx.set('Location', spec.location(result as { id: number }));
      if (spec.status !== 204) ctx.body = result;
    });
  }

  private auth(access: Access): Middleware {
    return async (ctx, next) => {
      if (access === 'public') return next();
      const header = ctx.get('Authorization');
      if (header === '') throw unauthorized('this route needs a bearer token');
      const bearer = BEARER.exec(header)?.[1];
      const principal = bearer === undefined ? undefined : await this.authenticate(bearer);
      if (principal === undefined) throw unauthorized('the bearer token is malformed, unknown or revoked');
      if (!access.includes(principal.role)) {
        throw new HttpError(403, `role ${principal.role} may not do this; allowed: ${access.join(', ')}`);
      }
      return next();
    };
  }

  /** OpenAPI 3.1 document generated from the routes' specs. */
  openApi(info: { title: string; version: string }): Record<string, unknown> {
    return openApiDocument(this.specs, info);
  }
}
