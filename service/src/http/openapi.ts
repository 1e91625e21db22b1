import { z } from 'zod';
import type { AnyObject, Documented, RouteSpec } from './api.js';

/** The OpenAPI 3.1 document for the routes, from the same zod schemas that validate their input. */
export function openApiDocument(
  routes: Documented[],
  info: { title: string; version: string },
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { method, path, spec } of routes) {
    paths[path] ??= {};
    paths[path][method] = operation(spec);
  }
  return {
    openapi: '3.1.0',
    info,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Problem: PROBLEM_SCHEMA },
    },
    paths,
  };
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
