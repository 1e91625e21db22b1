import { describe, expect, it } from 'vitest';
import { ConfigError, EMBEDDED_SQLITE_FILE, loadConfig } from './config.js';

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
  ])('names the variable and the value when %o is bad', (env, named) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(named);
  });

  it('never puts a database password in an error', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:hunter2@h' })).toThrow(/^(?!.*hunter2)/);
  });
});
