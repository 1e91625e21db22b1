import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, EMBEDDED_SQLITE_FILE, loadConfig } from './config.js';

const PACKAGE_JSON = resolve(import.meta.dirname, '..', 'package.json');
const MYSQL = { DATABASE_URL: 'mysql://app@db.internal/dealership' };
/** A file that looks like a CA bundle (the TLS tests use a real one). */
const CA = join(mkdtempSync(join(tmpdir(), 'dealership-config-')), 'ca.pem');
writeFileSync(CA, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

describe('loadConfig', () => {
  it('has defaults for everything: port 3000, the embedded SQLite file, migrations on start', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      database: { dialect: 'sqlite', storage: EMBEDDED_SQLITE_FILE, embedded: true },
      replicas: [],
      migrationDatabase: { dialect: 'sqlite', storage: EMBEDDED_SQLITE_FILE, embedded: true },
      connections: {
        queryTimeoutMs: 10_000,
        acquireTimeoutMs: 10_000,
        connectTimeoutMs: 5_000,
        replicaMaxLagMs: 5_000,
        tls: undefined,
        iamAuth: undefined,
      },
      http: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, writeTimeoutMs: 30_000 },
      adminToken: undefined,
      migrateOnStart: true,
      shutdownDrainMs: 5000,
      logLevel: 'info',
      commit: undefined,
    });
  });

  it('reads MySQL primaries and replicas, explicit SQLite files and memory', () => {
    const config = loadConfig({
      DATABASE_URL: 'mysql://app:secret@db.internal:3306/dealership',
      DATABASE_REPLICA_URLS:
        'mysql://app:secret@replica-1:3306/dealership, mysql://app:secret@replica-2/dealership',
      MIGRATE_ON_START: 'false',
      SHUTDOWN_DRAIN_MS: '250',
      PORT: '8080',
      HOST: '0.0.0.0',
    });
    expect(config.database).toEqual({
      dialect: 'mysql',
      url: 'mysql://app:secret@db.internal:3306/dealership',
      database: 'dealership',
      host: 'db.internal',
      port: 3306,
      user: 'app',
    });
    expect(config.replicas.map((replica) => replica.dialect === 'mysql' && replica.url)).toEqual([
      'mysql://app:secret@replica-1:3306/dealership',
      'mysql://app:secret@replica-2/dealership',
    ]);
    expect(config).toMatchObject({
      migrateOnStart: false,
      shutdownDrainMs: 250,
      port: 8080,
      host: '0.0.0.0',
    });
    expect(loadConfig({ DATABASE_URL: 'sqlite:/tmp/x.sqlite' }).database).toEqual({
      dialect: 'sqlite',
      storage: '/tmp/x.sqlite',
      embedded: false,
    });
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).database).toMatchObject({ storage: ':memory:' });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT="eighty"'],
    [{ PORT: '70000' }, 'PORT="70000"'],
    [{ SHUTDOWN_DRAIN_MS: '-1' }, 'SHUTDOWN_DRAIN_MS="-1"'],
    [{ MIGRATE_ON_START: 'maybe' }, 'MIGRATE_ON_START="maybe"'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL="loud"'],
    [{ DATABASE_URL: 'postgres://u:p@h/db' }, 'DATABASE_URL="postgres://u:***@h/db"'],
    [{ DATABASE_URL: 'sqlite:relative.sqlite' }, 'DATABASE_URL="sqlite:relative.sqlite"'],
    [{ DATABASE_URL: 'mysql://u:p@h/' }, 'DATABASE_URL="mysql://u:***@h/"'],
    [{ DATABASE_REPLICA_URLS: 'mysql://h/db' }, 'DATABASE_REPLICA_URLS="mysql://h/db"'],
    [{ DEALERSHIP_ADMIN_TOKEN: 'short' }, 'DEALERSHIP_ADMIN_TOKEN="(hidden)"'],
    [{ DATABASE_QUERY_TIMEOUT_MS: '10s' }, 'DATABASE_QUERY_TIMEOUT_MS="10s"'],
    [
      { HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' },
      'HTTP_REQUEST_TIMEOUT_MS="10000"',
    ],
    [
      { DATABASE_CA_FILE: '/no/such/ca.pem' },
      'DATABASE_CA_FILE="/no/such/ca.pem" is invalid: cannot be read',
    ],
    [
      { DATABASE_CA_FILE: PACKAGE_JSON },
      `DATABASE_CA_FILE="${PACKAGE_JSON}" is invalid: expected a PEM bundle`,
    ],
    [{ DATABASE_IAM_AUTH: 'true' }, 'DATABASE_IAM_AUTH="true" is invalid: IAM authentication needs a mysql'],
    [
      { ...MYSQL, DATABASE_IAM_AUTH: 'true' },
      'DATABASE_IAM_AUTH="true" is invalid: IAM authentication needs DATABASE_CA_FILE',
    ],
    [{ ...MYSQL, DATABASE_IAM_AUTH: 'yes', DATABASE_CA_FILE: CA }, 'AWS_REGION="" is invalid'],
    [
      { ...MYSQL, DATABASE_MIGRATION_URL: 'mysql://admin:pw@db/other' },
      'DATABASE_MIGRATION_URL="mysql://admin:***@db/other"',
    ],
  ])('names the variable and the value when %o is bad', (env, named) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(named);
  });

  it('reads the database identity: CA bundle, IAM in a region, a migration user', () => {
    const config = loadConfig({
      ...MYSQL,
      DATABASE_CA_FILE: CA,
      DATABASE_IAM_AUTH: 'true',
      AWS_REGION: 'eu-west-1',
      DATABASE_MIGRATION_URL: 'mysql://admin:pw@db.internal/dealership',
    });
    expect(config.connections.tls?.caFile).toBe(CA);
    expect(config.connections.iamAuth).toEqual({ region: 'eu-west-1' });
    expect(config.migrationDatabase).toMatchObject({ user: 'admin', database: 'dealership' });
    const plain = loadConfig(MYSQL);
    expect(plain.migrationDatabase).toBe(plain.database);
  });

  it('never puts a database password in an error', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:hunter2@h' })).toThrow(/^(?!.*hunter2)/);
  });
});
