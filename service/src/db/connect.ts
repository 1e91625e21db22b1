import { mkdirSync } from 'node:fs';
import type { Socket } from 'node:net';
import { dirname } from 'node:path';
import mysql2 from 'mysql2';
import { Sequelize } from 'sequelize';
import type { DatabaseTarget } from '../config.js';

export type MysqlTarget = Extract<DatabaseTarget, { dialect: 'mysql' }>;

/** A fresh password for each new connection (RDS IAM authentication tokens; see iam-auth.ts). */
export type AuthTokenSource = (target: MysqlTarget) => Promise<string>;

export interface ConnectOptions {
  connectTimeoutMs: number;
  poolMax: number;
  /** How long a caller waits for a free pooled connection (Sequelize's pool `acquire`). */
  acquireTimeoutMs: number;
  /** A query with no answer for this long closes its connection; undefined: no bound (migrations). */
  queryTimeoutMs: number | undefined;
  /** TLS, verifying the server's certificate and name against this CA bundle. */
  tls?: { ca: string };
  /** Authenticate each new connection with a token from here, sent as a clear-text password over TLS. */
  authToken?: AuthTokenSource;
}

/** What mysql2 keeps on a connection that this module reads: its socket and the command in flight. */
interface Mysql2Connection {
  stream: Socket;
  _command?: unknown;
}

/**
 * Closes a connection whose query has had no answer for `ms`: the socket's inactivity timer fires while
 * a command is in flight (an idle pooled connection is left alone). Destroying the socket with an error
 * is how mysql2 itself fails a connection on a network error, so the query rejects at once with a fatal
 * ETIMEDOUT and the pool discards the connection (Sequelize's `validate` refuses fatal connections).
 * mysql2's own per-query `timeout` is not used: it rejects the query but leaves the connection open
 * with the command still pending.
 */
function boundQueries(connection: Mysql2Connection, ms: number): void {
  connection.stream.setTimeout(ms);
  connection.stream.on('timeout', () => {
    if (!connection._command) return;
    const error = Object.assign(new Error(`no answer from the database within ${ms} ms`), {
      code: 'ETIMEDOUT',
      fatal: true,
    });
    connection.stream.destroy(error);
  });
}

/** One Sequelize instance for one database; nothing is connected until the first query. */
export function createSequelize(target: DatabaseTarget, options: ConnectOptions): Sequelize {
  const common = {
    logging: false as const,
    define: { underscored: true, timestamps: false, freezeTableName: true },
    pool: { max: options.poolMax, min: 0, idle: 10_000, acquire: options.acquireTimeoutMs },
  };
  if (target.dialect === 'sqlite') {
    if (target.storage !== ':memory:') mkdirSync(dirname(target.storage), { recursive: true });
    const sequelize = new Sequelize({ ...common, dialect: 'sqlite', storage: target.storage });
    // Another process (the token CLI) may hold the write lock for a moment: wait rather than fail.
    sequelize.addHook('afterConnect', (connection) => {
      (connection as { configure(option: 'busyTimeout', ms: number): void }).configure('busyTimeout', 5_000);
    });
    return sequelize;
  }
  const { authToken, tls, queryTimeoutMs } = options;
  const sequelize = new Sequelize(target.url, {
    ...common,
    dialect: 'mysql',
    // Sequelize loads its dialect's driver with a require() it works out at run time, which a bundler
    // cannot follow; handing it the driver keeps the bundled revision self-contained (docs/rehearsal.md).
    dialectModule: mysql2,
    timezone: '+00:00',
    dialectOptions: {
      connectTimeout: options.connectTimeoutMs,
      decimalNumbers: false,
      dateStrings: false,
      // mysql2's own casting, not Sequelize's per-field callback: for this schema's columns (INT, DECIMAL,
      // VARCHAR, DATETIME in UTC) both give the same values (numbers, decimal strings, Dates), and the
      // callback was a measurable share of a list's CPU.
      typeCast: true,
      // mysql2 checks the certificate's chain (rejectUnauthorized) and its name (verifyIdentity).
      ...(tls ? { ssl: { ca: tls.ca, rejectUnauthorized: true, verifyIdentity: true } } : {}),
      // RDS asks for the IAM token with the mysql_clear_password plugin, which mysql2 only enables on request.
      ...(authToken ? { enableCleartextPlugin: true } : {}),
    },
  });
  if (authToken !== undefined) {
    sequelize.addHook('beforeConnect', async (config) => {
      config.password = await authToken(target);
    });
  }
  if (queryTimeoutMs !== undefined) {
    sequelize.addHook('afterConnect', (connection) =>
      boundQueries(connection as Mysql2Connection, queryTimeoutMs),
    );
  }
  return sequelize;
}
