import type { z } from 'zod';
import type { Role } from '../db/models.js';

/** Who may call a route: anyone, or a bearer token of one of these roles. */
export type Access = 'public' | readonly Role[];
export type Method = 'get' | 'post' | 'patch' | 'delete';
export type AnyObject = z.ZodType<Record<string, unknown>, Record<string, unknown>>;

/** What a handler gets: its validated input, nothing else. */
export interface RouteInput<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
}

/** An answer with another status than the route's own, which the route documents in `responses`. */
export class Answer {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

/** A documented answer besides the success and the problem statuses. */
export interface OtherResponse {
  description: string;
  schema: z.ZodType;
}

export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  method: Method;
  /** OpenAPI style: `/cars/{id}`. */
  path: string;
  /** Unique across the API, a verb first: `listCars`. */
  operationId: string;
  tag: string;
  summary: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  status: number;
  /** The success body (none for 204). */
  response?: z.ZodType;
  /** Error statuses this route can answer beyond the ones every route of its kind can (see openapi.ts). */
  errors?: number[];
  /** Answers the handler may give as an `Answer` (readiness's 503). */
  responses?: Record<number, OtherResponse>;
  /** False for the routes that never touch the database (no 503 for them). Default true. */
  usesDatabase?: boolean;
  /** Headers set on every answer of the route. */
  headers?: Record<string, string>;
  /** Sets `Location` on a 201 from the created resource. */
  location?: (result: { id: number }) => string;
  handle(input: RouteInput<P, Q, B>): Promise<unknown> | unknown;
}

/** A route as the OpenAPI document sees it. */
// biome-ignore lint/suspicious/noExplicitAny: the spec is only read for documentation there
export type AnySpec = RouteSpec<any, any, any>;
