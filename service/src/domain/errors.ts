/** A complaint about one input field of an operation, by the field's name (`carId`). */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * What the domain (and the database layer, on its behalf) can answer instead of a result. The HTTP
 * layer maps each kind to a status: 404, 409, 422, and 503 for `unavailable` (the database could not
 * be reached or stopped answering; worth retrying later, and never retried by the service itself).
 */
export type DomainErrorKind = 'not_found' | 'conflict' | 'unprocessable' | 'unavailable';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly fields?: FieldProblem[],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'DomainError';
  }
}

export const notFound = (resource: string, id: number | string): DomainError =>
  new DomainError('not_found', `${resource} ${id} does not exist`);

export const conflict = (message: string, options?: ErrorOptions): DomainError =>
  new DomainError('conflict', message, undefined, options);

/** References in the input that point at nothing: one entry per missing reference. */
export const missingReferences = (fields: FieldProblem[]): DomainError =>
  new DomainError('unprocessable', fields.map((field) => field.message).join('; '), fields);

export const unavailable = (message: string, cause: unknown): DomainError =>
  new DomainError('unavailable', message, undefined, { cause });
