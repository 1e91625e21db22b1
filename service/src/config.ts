import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Where a database lives: the embedded SQLite file, an explicit SQLite file or memory, or MySQL. */
export type DatabaseTarget =
  | { dialect: 'sqlite'; storage: string; embedded: boolean }
  | { dialect: 'mysql'; url: string; database: string; host: string; port: number; user: string };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** How the service treats its MySQL connections (SQLite ignores all but the timeouts it can use). */
export interface ConnectionSettings {
  /** A query with no answer for this long is abandoned and its connection closed. */
  queryTimeoutMs: number;
  /** How long a request waits for a free pooled connection. */
  acquireTimeoutMs: number;
  /** How long opening a connection to the primary may take (replicas: at most 1 s). */
  connectTimeoutMs: number;
  /** A replica measured further behind the primary than this is not read from. */
  replicaMaxLagMs: number;
  /** TLS with this CA bundle (PEM), verifying the server's certificate; undefined: no TLS. */
  tls: { caFile: string; ca: string } | undefined;
  /** RDS IAM database authentication for DATABASE_URL and the replicas, in this AWS region. */
  iamAuth: { region: string } | undefined;
}

/** The HTTP server's limits on slow and non-reading clients. */
export interface HttpSettings {
  /** The request line and headers must arrive within this (else 408). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this (else 408). */
  requestTimeoutMs: number;
  /** A connection on which nothing moves for this long while a request is open is closed. */
  writeTimeoutMs: number;
}

export interface Config {
  port: number;
  host: string;
  database: DatabaseTarget;
  replicas: DatabaseTarget[];
  /** What migrations run against: DATABASE_MIGRATION_URL when set, else the database. */
  migrationDatabase: DatabaseTarget;
  connections: ConnectionSettings;
  http: HttpSettings;
  adminToken: string | undefined;
  migrateOnStart: boolean;
  shutdownDrainMs: number;
  logLevel: LogLevel;
  commit: string | undefined;
}

/** A configuration value that cannot be used; the message names the variable and the value. */
export class ConfigError extends Error {
  constructor(variable: string, value: string, expected: string) {
    super(`${variable}=${JSON.stringify(value)} is invalid: ${expected}`);
    this.name = 'ConfigError';
  }
}

/** The `service/` folder (this file is src/config.ts or dist/config.js). */
export const SERVICE_DIR = resolve(import.meta.dirname, '..');
export const EMBEDDED_SQLITE_FILE = resolve(SERVICE_DIR, 'data', 'dealership.sqlite');

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, raw, `expected a whole number from ${min} to ${max}`);
  }
  return Number(raw);
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = raw.toLowerCase();
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  throw new ConfigError(name, raw, 'expected true or false');
}

/** Parses one database URL (`sqlite:/abs/file.sqlite`, `sqlite::memory:`, `mysql://user:pass@host:port/db`). */
export function parseDatabaseUrl(name: string, raw: string): DatabaseTarget {
  if (raw === 'sqlite::memory:') return { dialect: 'sqlite', storage: ':memory:', embedded: false };
  if (raw.startsWith('sqlite:')) {
    const storage = raw.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!storage.startsWith('/')) {
      throw new ConfigError(name, raw, 'expected sqlite:/absolute/path.sqlite or sqlite::memory:');
    }
    return { dialect: 'sqlite', storage, embedded: false };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, redact(raw), 'expected mysql://user:pass@host:port/db or a sqlite: URL');
  }
  if (url.protocol !== 'mysql:') {
    throw new ConfigError(name, redact(raw), 'the scheme must be mysql: or sqlite:');
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!url.hostname || !/^[\w$-]{1,64}$/.test(database)) {
    throw new ConfigError(
      name,
      redact(raw),
      'expected a host and a database name: mysql://user:pass@host:port/db',
    );
  }
  return {
    dialect: 'mysql',
    url: raw,
    database,
    host: url.hostname,
    port: url.port === '' ? 3306 : Number(url.port),
    user: decodeURIComponent(url.username),
  };
}

/** The URL with its password hidden, for messages and logs. */
export function redact(raw: string): string {
  return raw.replace(/^(\w+:\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

function databaseTarget(env: Env): DatabaseTarget {
  const databaseUrl = env.DATABASE_URL;
  return databaseUrl === undefined || databaseUrl === ''
    ? { dialect: 'sqlite', storage: EMBEDDED_SQLITE_FILE, embedded: true }
    : parseDatabaseUrl('DATABASE_URL', databaseUrl);
}

function replicaTargets(env: Env, database: DatabaseTarget): DatabaseTarget[] {
  const replicas = (env.DATABASE_REPLICA_URLS ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => parseDatabaseUrl('DATABASE_REPLICA_URLS', entry));
  if (replicas.length > 0 && database.dialect !== 'mysql') {
    throw new ConfigError(
      'DATABASE_REPLICA_URLS',
      env.DATABASE_REPLICA_URLS ?? '',
      'replicas need a mysql DATABASE_URL',
    );
  }
  if (replicas.some((replica) => replica.dialect !== 'mysql')) {
    throw new ConfigError(
      'DATABASE_REPLICA_URLS',
      env.DATABASE_REPLICA_URLS ?? '',
      'every replica must be a mysql:// URL',
    );
  }
  return replicas;
}

function migrationTarget(env: Env, database: DatabaseTarget): DatabaseTarget {
  const raw = env.DATABASE_MIGRATION_URL;
  if (raw === undefined || raw === '') return database;
  const target = parseDatabaseUrl('DATABASE_MIGRATION_URL', raw);
  if (target.dialect !== 'mysql' || database.dialect !== 'mysql' || target.database !== database.database) {
    // Migrating another database than the one the service uses would leave the service unready.
    throw new ConfigError(
      'DATABASE_MIGRATION_URL',
      redact(raw),
      'expected a mysql:// URL of the same database as DATABASE_URL (usually another user)',
    );
  }
  return target;
}

/** The CA bundle, read once at start-up: a missing or unreadable file is a configuration error. */
function tlsSettings(env: Env): ConnectionSettings['tls'] {
  const caFile = env.DATABASE_CA_FILE;
  if (caFile === undefined || caFile === '') return undefined;
  let ca: string;
  try {
    ca = readFileSync(caFile, 'utf8');
  } catch (error) {
    throw new ConfigError('DATABASE_CA_FILE', caFile, `cannot be read (${(error as Error).message})`);
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError('DATABASE_CA_FILE', caFile, 'expected a PEM bundle of CA certificates');
  }
  return { caFile, ca };
}

function iamSettings(env: Env, database: DatabaseTarget, tls: ConnectionSettings['tls']) {
  if (!boolean(env, 'DATABASE_IAM_AUTH', false)) return undefined;
  const raw = env.DATABASE_IAM_AUTH ?? '';
  if (database.dialect !== 'mysql') {
    throw new ConfigError('DATABASE_IAM_AUTH', raw, 'IAM authentication needs a mysql DATABASE_URL');
  }
  if (tls === undefined) {
    // RDS accepts IAM tokens only over TLS, and a token must never cross the network in the clear.
    throw new ConfigError('DATABASE_IAM_AUTH', raw, 'IAM authentication needs DATABASE_CA_FILE (TLS)');
  }
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (region === undefined || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw new ConfigError(
      'AWS_REGION',
      region ?? '',
      'IAM authentication needs the AWS region, e.g. eu-west-1',
    );
  }
  return { region };
}

/** Reads the service's whole configuration from the environment; a bad value throws ConfigError. */
export function loadConfig(env: Env = process.env): Config {
  const logLevel = (env.LOG_LEVEL || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', env.LOG_LEVEL ?? '', `expected one of ${LOG_LEVELS.join(', ')}`);
  }
  const database = databaseTarget(env);
  const adminToken = env.DEALERSHIP_ADMIN_TOKEN || undefined;
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new ConfigError('DEALERSHIP_ADMIN_TOKEN', '(hidden)', 'expected at least 16 characters');
  }
  const tls = tlsSettings(env);
  const headersTimeoutMs = integer(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000, 1, 600_000);
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    database,
    replicas: replicaTargets(env, database),
    migrationDatabase: migrationTarget(env, database),
    connections: {
      queryTimeoutMs: integer(env, 'DATABASE_QUERY_TIMEOUT_MS', 10_000, 100, 600_000),
      acquireTimeoutMs: integer(env, 'DATABASE_ACQUIRE_TIMEOUT_MS', 10_000, 100, 600_000),
      connectTimeoutMs: integer(env, 'DATABASE_CONNECT_TIMEOUT_MS', 5_000, 100, 600_000),
      replicaMaxLagMs: integer(env, 'DATABASE_REPLICA_MAX_LAG_MS', 5_000, 0, 86_400_000),
      tls,
      iamAuth: iamSettings(env, database, tls),
    },
    http: {
      headersTimeoutMs,
      // Node refuses a request timeout below the headers timeout.
      requestTimeoutMs: integer(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000, headersTimeoutMs, 3_600_000),
      writeTimeoutMs: integer(env, 'HTTP_WRITE_TIMEOUT_MS', 30_000, 1, 3_600_000),
    },
    adminToken,
    migrateOnStart: boolean(env, 'MIGRATE_ON_START', true),
    shutdownDrainMs: integer(env, 'SHUTDOWN_DRAIN_MS', 5000, 0, 600_000),
    logLevel,
    commit: env.DEALERSHIP_COMMIT || undefined,
  };
}
