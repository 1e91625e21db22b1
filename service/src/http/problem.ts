import { STATUS_CODES } from 'node:http';
import { ConnectionError, ForeignKeyConstraintError, TimeoutError, UniqueConstraintError } from 'sequelize';
import { DomainError, type FieldError } from '../domain/errors.js';

/** An RFC 9457 problem document, the body of every error response. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
}

/** An error that already knows its HTTP status (bad input, auth, media type, size). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    detail: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'HttpError';
  }
}

const DOMAIN_STATUS = { not_found: 404, conflict: 409, unprocessable: 422 } as const;

export function problem(status: number, detail: string, errors?: FieldError[]): Problem {
  return {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

/**
 * The one place an error becomes a response. Unknown errors are 500 with a generic detail (the
 * real error goes to the log, never to the client).
 */
export function toProblem(error: unknown): {
  problem: Problem;
  headers: Record<string, string>;
  expected: boolean;
} {
  if (error instanceof HttpError) {
    return {
      problem: problem(error.status, error.message, error.errors),
      headers: error.headers,
      expected: true,
    };
  }
  if (error instanceof DomainError) {
    return {
      problem: problem(DOMAIN_STATUS[error.kind], error.message, error.errors),
      headers: {},
      expected: true,
    };
  }
  // Backstops for races the domain layer cannot see coming (two inserts of one serial number).
  if (error instanceof UniqueConstraintError) {
    const fields = Object.keys(error.fields ?? {});
    return {
      problem: problem(409, `a record with this ${fields.join(', ') || 'key'} already exists`),
      headers: {},
      expected: true,
    };
  }
  if (error instanceof ForeignKeyConstraintError) {
    return {
      problem: problem(409, 'the record is referenced by, or refers to, another record'),
      headers: {},
      expected: true,
    };
  }
  if (error instanceof ConnectionError || error instanceof TimeoutError) {
    // Not the caller's fault, and worth retrying: the load balancer may route the retry elsewhere.
    return {
      problem: problem(503, 'the database is unavailable; try again shortly'),
      headers: { 'Retry-After': '5' },
      expected: false,
    };
  }
  return {
    problem: problem(500, 'internal error; see the service log for this request id'),
    headers: {},
    expected: false,
  };
}
