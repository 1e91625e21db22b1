import {
  ConnectionError,
  DatabaseError,
  ForeignKeyConstraintError,
  TimeoutError,
  UniqueConstraintError,
} from 'sequelize';
import { conflict, DomainError, unavailable } from '../domain/errors.js';

/**
 * mysql2's codes for a connection that broke while in use. mysql2 marks such errors `fatal` (the
 * connection is unusable; lib/base/connection.js `_handleFatalError`), and Sequelize wraps them as a
 * plain DatabaseError, not a ConnectionError, because they happen after connecting.
 */
const CONNECTION_LOST = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/**
 * Whether the error says the server could not be reached or stopped answering (rather than refusing the
 * query): failing to connect or to get a pooled connection, or losing the connection mid-query.
 */
export function isConnectionLoss(error: unknown): boolean {
  if (error instanceof ConnectionError || error instanceof TimeoutError) return true;
  // Sequelize's wrapping, or mysql2's own error from a statement run on a pooled connection (list-query.ts).
  const cause = (error instanceof DatabaseError ? error.parent : error) as { code?: string; fatal?: boolean };
  return cause?.fatal === true || CONNECTION_LOST.has(cause?.code ?? '');
}

/**
 * The one place a database error becomes a domain error; anything else passes through unchanged (and
 * answers 500). `inTransaction`: a connection lost during a write may have lost it after the COMMIT,
 * so the caller is told the outcome is unknown.
 */
export function toDomainError(error: unknown, inTransaction: boolean): unknown {
  if (error instanceof DomainError) return error;
  if (error instanceof UniqueConstraintError) {
    // A backstop for two writers racing past the domain's own uniqueness check.
    const fields = Object.keys(error.fields ?? {});
    return conflict(`a record with this ${fields.join(', ') || 'key'} already exists`, { cause: error });
  }
  if (error instanceof ForeignKeyConstraintError) {
    const { reltype, table } = error as ForeignKeyConstraintError & { reltype?: string; table?: string };
    const detail =
      reltype === 'parent'
        ? `another record${table ? ` (in ${table})` : ''} still refers to it`
        : reltype === 'child'
          ? 'it refers to a record that does not exist'
          : 'it is referenced by, or refers to, another record';
    return conflict(`the change conflicts with a reference between records: ${detail}`, { cause: error });
  }
  if (isConnectionLoss(error)) {
    return unavailable(
      inTransaction
        ? 'the database became unavailable during the change; it may or may not have been applied: read it back before retrying'
        : 'the database is unavailable; try again shortly',
      error,
    );
  }
  return error;
}
