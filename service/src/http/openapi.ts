import { z } from 'zod';
import { documentedAs } from '../schemas/fields.js';
import { RETRY_AFTER_SECONDS } from './problem.js';
import type { AnyObject, AnySpec } from './route.js';

const TAGS: Record<string, string> = {
  System: 'Liveness, readiness (the load balancer’s health check), the running version and this document',
  Cars: 'The cars in stock, sold, or brought in by customers for service',
  Customers: 'People who buy cars or bring them in',
  Salespeople: 'Staff who sell cars, with their commission rate',
  Mechanics: 'Staff who work on cars, with their hourly rate',
  Parts: 'Spare parts in stock',
  Sales: 'Selling a car, and the invoices sales produce',
  Service: 'Service tickets: labor and parts on a car, until the ticket is closed',
  Reports: 'Figures for managers',
  Tokens: 'Bearer tokens for staff',
};

const STATUS_TEXT: Record<number, string> = {
  400: 'invalid path, query or body (the errors name each field)',
  401: 'missing, unknown or revoked bearer token',
  403: 'the role may not do this',
  404: 'no such record',
  409: 'conflicts with the current state',
  413: 'body over 100 kB',
  415: 'body is not application/json (in UTF-8)',
  422: 'a referenced record does not exist',
  503: 'the database is unavailable (or stopped answering); retry after the given seconds. A change that gets this may or may not have been applied',
};

/** The OpenAPI 3.1 document for the routes, from the same zod schemas that validate their input. */
export function openApiDocument(
  specs: AnySpec[],
  info: { title: string; version: string },
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of specs) {
    paths[spec.path] = { ...paths[spec.path], [spec.method]: operation(spec) };
  }
  const tags = [...new Set(specs.map((spec) => spec.tag))].map((name) => ({
    name,
    description: TAGS[name] ?? name,
  }));
  return {
    openapi: '3.1.0',
    info: {
      ...info,
      // The repository carries no licence: all rights reserved (an SPDX LicenseRef, since SPDX lists none).
      license: { name: 'Proprietary; all rights reserved', identifier: 'LicenseRef-Proprietary' },
      description:
        'The dealership’s REST API. JSON in and out; errors are RFC 9457 problem documents. ' +
        'Money is a decimal string with two places ("24999.00") in answers, and a string or a number in requests.',
    },
    // Relative: the document is served by the service it describes, at whatever address reached it.
    servers: [{ url: '/', description: 'the service that serves this document' }],
    tags,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'a token from POST /tokens or the token CLI' },
      },
      schemas: { Problem: PROBLEM_SCHEMA },
      headers: HEADERS,
    },
    paths,
  };
}

const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string', const: 'about:blank' },
    title: { type: 'string' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: {
          path: { type: 'string', pattern: '^(body|query|path)(\\.[^.]+)*$', examples: ['body.listPrice'] },
          message: { type: 'string' },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
};

const HEADERS = {
  Location: {
    description: 'where the created resource can be read',
    required: true,
    schema: { type: 'string', format: 'uri-reference' },
  },
  'WWW-Authenticate': {
    description: 'the Bearer scheme this API expects',
    required: true,
    schema: { type: 'string', pattern: '^Bearer' },
  },
  'Retry-After': {
    description: 'seconds to wait before retrying',
    required: true,
    schema: { type: 'integer', minimum: 1, examples: [RETRY_AFTER_SECONDS] },
  },
};
const header = (name: keyof typeof HEADERS) => ({ [name]: { $ref: `#/components/headers/${name}` } });

/** zod's JSON Schema for a field, with documentedAs's rules in place of what zod alone would say. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
    override: ({ zodSchema, jsonSchema: emitted }) => {
      const rule = documentedAs.get(zodSchema as unknown as z.ZodType);
      if (rule === undefined) return;
      const target = emitted as Record<string, unknown>;
      for (const key of ['type', 'pattern', 'format', 'anyOf']) delete target[key];
      Object.assign(target, rule);
    },
  });
  return rest;
}

function parameters(schema: AnyObject | undefined, where: 'path' | 'query'): unknown[] {
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const { description, ...fieldSchema } = jsonSchema(field, 'input');
    return {
      name,
      in: where,
      required: where === 'path' || !field.safeParse(undefined).success,
      ...(description ? { description } : {}),
      schema: fieldSchema,
    };
  });
}

const problemResponse = (status: number, headers?: Record<string, unknown>) => ({
  description: STATUS_TEXT[status] ?? 'error',
  ...(headers ? { headers } : {}),
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

/**
 * The statuses a route can answer: its own, 400 (every route validates its path and query), 401/403
 * where a token is needed, 413/415 where a body is read, 503 where the database is used, and the
 * route's own errors.
 */
function operation(spec: AnySpec): Record<string, unknown> {
  const errorStatuses = new Set<number>([400, ...(spec.errors ?? [])]);
  if (spec.access !== 'public') {
    errorStatuses.add(401);
    errorStatuses.add(403);
  }
  if (spec.body !== undefined) {
    errorStatuses.add(413);
    errorStatuses.add(415);
  }
  if (spec.usesDatabase !== false) errorStatuses.add(503);
  const responses: Record<string, unknown> = {
    [spec.status]: {
      description: spec.summary,
      ...(spec.location ? { headers: header('Location') } : {}),
      ...(spec.response
        ? { content: { 'application/json': { schema: jsonSchema(spec.response, 'output') } } }
        : {}),
    },
  };
  for (const [status, other] of Object.entries(spec.responses ?? {})) {
    responses[status] = {
      description: other.description,
      content: { 'application/json': { schema: jsonSchema(other.schema, 'output') } },
    };
  }
  for (const status of [...errorStatuses].sort()) {
    responses[status] = problemResponse(
      status,
      status === 401 ? header('WWW-Authenticate') : status === 503 ? header('Retry-After') : undefined,
    );
  }
  const input = [...parameters(spec.params, 'path'), ...parameters(spec.query, 'query')];
  return {
    operationId: spec.operationId,
    tags: [spec.tag],
    summary: spec.summary,
    ...(spec.access === 'public'
      ? { security: [] }
      : { security: [{ bearer: [] }], description: `Roles: ${spec.access.join(', ')}.` }),
    ...(input.length > 0 ? { parameters: input } : {}),
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
