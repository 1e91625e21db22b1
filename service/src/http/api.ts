import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { Role } from '../db/models.js';
import type { FieldError } from '../domain/errors.js';
import type { Principal } from '../domain/tokens.js';
import { readJsonBody } from './json-body.js';
import { openApiDocument } from './openapi.js';
import { HttpError } from './problem.js';

export type Access = 'public' | readonly Role[];
type Method = 'get' | 'post' | 'patch' | 'delete';
export type AnyObject = z.ZodType<Record<string, unknown>, Record<string, unknown>>;

const NONE = z.strictObject({});
type None = typeof NONE;

export interface RouteInput<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
  principal: Principal | undefined;
  ctx: Context;
}

export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  method: Method;
  /** OpenAPI style: `/cars/{id}`. */
  path: string;
  tag: string;
  summary: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  status: number;
  /** The success body, for the OpenAPI document (none for 204). */
  response?: z.ZodType;
  /** Error statuses this route can answer beyond 400 (documented in OpenAPI). */
  errors?: number[];
  /** Sets `Location` on a 201 from the created resource. */
  location?: (result: { id: number }) => string;
  handle(input: RouteInput<P, Q, B>): Promise<unknown>;
}

/** Authenticates a bearer token; set by the app (it needs the database). */
export type Authenticator = (bearer: string) => Promise<Principal | undefined>;

export interface Documented {
  method: Method;
  path: string;
  // biome-ignore lint/suspicious/noExplicitAny: the spec is only read for documentation here
  spec: RouteSpec<any, any, any>;
}

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
 * handler — and the same schemas produce the OpenAPI document.
 */
export class Api {
  readonly router = new Router();
  private readonly documented: Documented[] = [];

  constructor(private readonly authenticate: Authenticator) {}

  route<P extends AnyObject = None, Q extends AnyObject = None, B extends z.ZodType = z.ZodUndefined>(
    spec: RouteSpec<P, Q, B>,
  ): void {
    this.documented.push({ method: spec.method, path: spec.path, spec });
    const koaPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
    this.router[spec.method](koaPath, this.auth(spec.access), async (ctx) => {
      const params = parse(spec.params ?? NONE, ctx.params, 'path');
      const query = parse(spec.query ?? NONE, ctx.query, 'query');
      const body =
        spec.body === undefined ? undefined : parse(spec.body, await readJsonBody(ctx.req), 'body');
      const result = await spec.handle({
        params: params as z.output<P>,
        query: query as z.output<Q>,
        body: body as z.output<B>,
        principal: ctx.state.principal as Principal | undefined,
        ctx,
      });
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
      ctx.state.principal = principal;
      return next();
    };
  }

  /** OpenAPI 3.1 document generated from the routes' schemas. */
  openApi(info: { title: string; version: string }): Record<string, unknown> {
    return openApiDocument(this.documented, info);
  }
}
