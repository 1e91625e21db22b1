import { STATUS_CODES } from 'node:http';
import { DomainError } from '../domain/errors.js';

/** Where in the request a complaint points (`body.listPrice`, `query.limit`, `path.id`), and what it is. */
export interface FieldError {
  path: string;
  message: string;
}

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

const DOMAIN_STATUS = { not_found: 404, conflict: 409, unprocessable: 422, unavailable: 503 } as const;

/** Seconds a client is asked to wait before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 5;

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
 * The one place an error becomes a response. A domain error's fields name the operation's input fields,
 * which the API takes in the request body. Unknown errors are 500 with a generic detail (the real error
 * goes to the log, never to the client). `expected`: not worth an error-level log line.
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
    const errors = error.fields?.map(({ field, message }) => ({ path: `body.${field}`, message }));
    const unavailable = error.kind === 'unavailable';
    return {
      problem: problem(DOMAIN_STATUS[error.kind], error.message, errors),
      // Not the caller's fault, and worth retrying: the load balancer may route the retry elsewhere.
      headers: unavailable ? { 'Retry-After': String(RETRY_AFTER_SECONDS) } : {},
      expected: !unavailable,
    };
  }
  return {
    problem: problem(500, 'internal error; see the service log for this request id'),
    headers: {},
    expected: false,
  };
}
