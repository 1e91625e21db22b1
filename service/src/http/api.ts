import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { Role } from '../db/models.js';
import type { FieldError } from '../domain/errors.js';
import type { Principal } from '../domain/tokens.js';
import { readJsonBody } from './json-body.js';
import { HttpError } from './problem.js';

export type Access = 'public' | readonly Role[];
type Method = 'get' | 'post' | 'patch' | 'delete';
type AnyObject = z.ZodType<Record<string, unknown>, Record<string, unknown>>;

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

interface Documented {
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
    const paths: Record<string, Record<string, unknown>> = {};
    for (const { method, path, spec } of this.documented) {
      paths[path] ??= {};
      paths[path][method] = operation(spec);
    }
    return {
      openapi: '3.1.0',
      info,
      jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
        schemas: { Problem: PROBLEM_SCHEMA },
      },
      paths,
    };
  }
}

const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: { path: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  });
  return rest;
}

function parameters(schema: AnyObject | undefined, where: 'path' | 'query'): unknown[] {
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => ({
    name,
    in: where,
    required: where === 'path' || !field.safeParse(undefined).success,
    schema: jsonSchema(field, 'input'),
  }));
}

const STATUS_TEXT: Record<number, string> = {
  400: 'invalid path, query or body (the errors name each field)',
  401: 'missing, unknown or revoked bearer token',
  403: 'the role may not do this',
  404: 'no such record',
  409: 'conflicts with the current state',
  413: 'body over 100 kB',
  415: 'body is not application/json',
  422: 'a referenced record does not exist',
};

// biome-ignore lint/suspicious/noExplicitAny: documentation only
function operation(spec: RouteSpec<any, any, any>): Record<string, unknown> {
  const errorStatuses = new Set<number>([400, ...(spec.errors ?? [])]);
  if (spec.access !== 'public') {
    errorStatuses.add(401);
    errorStatuses.add(403);
  }
  if (spec.body !== undefined) {
    errorStatuses.add(413);
    errorStatuses.add(415);
  }
  const responses: Record<string, unknown> = {
    [spec.status]: {
      description: spec.summary,
      ...(spec.response
        ? { content: { 'application/json': { schema: jsonSchema(spec.response, 'output') } } }
        : {}),
    },
  };
  for (const status of [...errorStatuses].sort()) {
    responses[status] = {
      description: STATUS_TEXT[status] ?? 'error',
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  }
  return {
    tags: [spec.tag],
    summary: spec.summary,
    ...(spec.access === 'public'
      ? { security: [] }
      : { security: [{ bearer: [] }], description: `Roles: ${spec.access.join(', ')}.` }),
    parameters: [...parameters(spec.params, 'path'), ...parameters(spec.query, 'query')],
    ...(spec.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}
