import { resolve } from 'node:path';

/** Where a database lives: the embedded SQLite file, an explicit SQLite file or memory, or MySQL. */
export type DatabaseTarget =
  | { dialect: 'sqlite'; storage: string; embedded: boolean }
  | { dialect: 'mysql'; url: string; database: string };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  port: number;
  host: string;
  database: DatabaseTarget;
  replicas: DatabaseTarget[];
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
  return { dialect: 'mysql', url: raw, database };
}

/** The URL with its password hidden, for messages and logs. */
export function redact(raw: string): string {
  return raw.replace(/^(\w+:\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

/** Reads the service's whole configuration from the environment; a bad value throws ConfigError. */
export function loadConfig(env: Env = process.env): Config {
  const logLevel = (env.LOG_LEVEL || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', env.LOG_LEVEL ?? '', `expected one of ${LOG_LEVELS.join(', ')}`);
  }
  const databaseUrl = env.DATABASE_URL;
  const database: DatabaseTarget =
    databaseUrl === undefined || databaseUrl === ''
      ? { dialect: 'sqlite', storage: EMBEDDED_SQLITE_FILE, embedded: true }
      : parseDatabaseUrl('DATABASE_URL', databaseUrl);
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
  const adminToken = env.DEALERSHIP_ADMIN_TOKEN || undefined;
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new ConfigError('DEALERSHIP_ADMIN_TOKEN', '(hidden)', 'expected at least 16 characters');
  }
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    database,
    replicas,
    adminToken,
    migrateOnStart: boolean(env, 'MIGRATE_ON_START', true),
    shutdownDrainMs: integer(env, 'SHUTDOWN_DRAIN_MS', 5000, 0, 600_000),
    logLevel,
    commit: env.DEALERSHIP_COMMIT || undefined,
  };
}
