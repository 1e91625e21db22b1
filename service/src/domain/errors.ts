/** A field-level complaint, reported back to the client as `errors: [{path, message}]`. */
export interface FieldError {
  path: string;
  message: string;
}

export type DomainErrorKind = 'not_found' | 'conflict' | 'unprocessable';

/** A business rule said no. The HTTP layer maps the kind to 404 / 409 / 422. */
export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (resource: string, id: number | string): DomainError =>
  new DomainError('not_found', `${resource} ${id} does not exist`);

export const conflict = (message: string): DomainError => new DomainError('conflict', message);

/** References in the request that point at nothing: one entry per missing reference. */
export const missingReferences = (errors: FieldError[]): DomainError =>
  new DomainError('unprocessable', errors.map((error) => error.message).join('; '), errors);
