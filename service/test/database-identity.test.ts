import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { Database } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import { createCar } from './kit/fixtures.js';
import { type MariaDbServer, startMariaDb } from './kit/mariadb.js';
import { runBuilt, spawnServiceProcess } from './kit/service-process.js';
import { createTlsFiles, type TlsFiles } from './kit/tls.js';

/**
 * The database in transit and the service's identity, against a MariaDB that serves TLS with a
 * certificate from a test CA and refuses any connection without TLS (require_secure_transport=ON), as
 * the stack's parameter group makes RDS do.
 */
describe('TLS to the database, its own user, IAM tokens', () => {
  let tls: TlsFiles;
  let server: MariaDbServer;
  const database = 'dealership';
  const root = () => server.url(database);

  beforeAll(async () => {
    tls = await createTlsFiles();
    server = await startMariaDb({ name: 'tls', tls });
    await server.query(`CREATE DATABASE ${database}`);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await tls?.remove();
  });

  const migrate = (args: string[], env: Record<string, string>) => runBuilt('cli/migrate', args, env);

  it('migrates and serves over TLS verified against DATABASE_CA_FILE', async () => {
    const up = await migrate(['up'], { DATABASE_URL: root(), DATABASE_CA_FILE: tls.caFile });
    expect(up.code, up.stderr).toBe(0);
    const service = await spawnServiceProcess({
      env: { DATABASE_URL: root(), DATABASE_CA_FILE: tls.caFile, MIGRATE_ON_START: 'false' },
    });
    try {
      expect((await createCar(service.admin)).id).toBeGreaterThan(0);
    } finally {
      await service.stop();
    }
  }, 60_000);

  it.each([
    // MariaDB answers a connection without TLS, under require_secure_transport, with "Access denied".
    ['no CA file (so no TLS)', () => ({}), /Access denied|secure transport/i],
    ['a CA that did not sign the server', () => ({ DATABASE_CA_FILE: tls.otherCaFile }), /certificate/i],
  ])(
    'refuses to run with %s: the CLI exits non-zero, the service stays unready',
    async (_, extra, reason) => {
      const env = { DATABASE_URL: root(), ...extra() };
      const status = await migrate(['status'], env);
      expect(status.code).toBe(1);
      expect(status.stderr).toMatch(/^failed: /);
      expect(status.stderr).toMatch(reason);
      const service = await spawnServiceProcess({
        env: { ...env, MIGRATE_ON_START: 'false', LOG_LEVEL: 'info' },
        waitFor: 'listening',
      });
      try {
        expect((await service.admin.get('/health/ready')).body).toEqual({
          status: 'unavailable',
          detail: 'the primary database is unreachable',
        });
        await service.untilLogged(reason);
      } finally {
        await service.stop();
      }
    },
    60_000,
  );

  it('names the variable and the value when the CA file cannot be read', async () => {
    const result = await migrate(['status'], {
      DATABASE_URL: root(),
      DATABASE_CA_FILE: '/nonexistent/ca.pem',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'configuration error: DATABASE_CA_FILE="/nonexistent/ca.pem" is invalid: cannot be read',
    );
  });

  it('grants the app user DML and no DDL, idempotently, and the service runs as it', async () => {
    const user = `app_${process.pid}`;
    const password = `pw-${process.pid}-${Date.now()}`;
    const grant = () =>
      migrate(['grant-app-user', '--user', user, '--auth', 'password'], {
        DATABASE_URL: root(),
        DATABASE_CA_FILE: tls.caFile,
        DATABASE_APP_PASSWORD: password,
      });
    const first = await grant();
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({
      user,
      auth: 'password',
      database,
      privileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
    });
    const again = await grant();
    expect(again.code, again.stderr).toBe(0);

    const app = await createConnection({
      uri: `mysql://${user}:${password}@127.0.0.1:${server.port}/${database}`,
      ssl: { ca: tls.ca },
    });
    try {
      await app.query(
        "INSERT INTO parts (part_number, description, unit_price, quantity_on_hand) VALUES ('G-1', 'grant', 1.00, 1)",
      );
      await app.query("UPDATE parts SET quantity_on_hand = 2 WHERE part_number = 'G-1'");
      const [rows] = await app.query("SELECT quantity_on_hand FROM parts WHERE part_number = 'G-1'");
      expect(rows).toEqual([{ quantity_on_hand: 2 }]);
      await app.query("DELETE FROM parts WHERE part_number = 'G-1'");
      for (const ddl of [
        'CREATE TABLE intruder (id INT)',
        'ALTER TABLE parts ADD COLUMN intruder INT',
        'DROP TABLE parts',
        'CREATE INDEX intruder ON parts (description)',
      ]) {
        await expect(app.query(ddl), ddl).rejects.toThrow(/command denied|Access denied/);
      }
    } finally {
      await app.end();
    }

    // The service as that user; migrations as root, through DATABASE_MIGRATION_URL.
    const service = await spawnServiceProcess({
      env: {
        DATABASE_URL: server.url(database, `${user}:${password}`),
        DATABASE_MIGRATION_URL: root(),
        DATABASE_CA_FILE: tls.caFile,
      },
    });
    try {
      expect((await createCar(service.admin)).id).toBeGreaterThan(0);
    } finally {
      await service.stop();
    }
  }, 90_000);

  it('makes an IAM user only where RDS provides the plugin (not on MariaDB)', async () => {
    const result = await migrate(['grant-app-user', '--user', 'app_iam', '--auth', 'iam'], {
      DATABASE_URL: root(),
      DATABASE_CA_FILE: tls.caFile,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('AWSAuthenticationPlugin');
  });

  /**
   * The IAM plumbing, honestly: a real RDS token can only be checked by RDS. Here the token source is
   * injected and hands out the real password of a MariaDB user, which proves one token is fetched for
   * each new connection and is what the connection signs in with.
   */
  it('signs each new connection in with a fresh token from the token source', async () => {
    const user = `iam_${process.pid}`;
    const password = `token-${Date.now()}`;
    await server.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    await server.query(`GRANT SELECT ON ${database}.* TO '${user}'@'%'`);
    const config = loadConfig({
      DATABASE_URL: server.url(database, user),
      DATABASE_IAM_AUTH: 'true',
      AWS_REGION: 'eu-west-1',
      DATABASE_CA_FILE: tls.caFile,
    });
    const requested: string[] = [];
    let token = password;
    const db = new Database(config, createLogger('silent'), {
      authToken: async (target) => {
        requested.push(`${target.user}@${target.host}:${target.port}`);
        return token;
      },
    });
    let opened = 0;
    db.primary.sequelize.addHook('afterConnect', () => {
      opened += 1;
    });
    try {
      const sleepy = () => db.readPrimary(({ sequelize }) => sequelize.query('SELECT SLEEP(0.3)'));
      await Promise.all([sleepy(), sleepy(), sleepy()]);
      // Three pooled connections, and the one Sequelize opens first to read the server's version.
      expect(opened).toBeGreaterThanOrEqual(3);
      expect(requested).toEqual(Array(opened).fill(`${user}@127.0.0.1:${server.port}`));
      await sleepy();
      expect(requested).toHaveLength(opened);
      // A token that is not the password is refused: the token is what signs the connection in.
      token = 'not-the-password';
      await expect(Promise.all([sleepy(), sleepy(), sleepy(), sleepy()])).rejects.toThrow(/unavailable/);
      expect(requested.length).toBeGreaterThan(opened);
    } finally {
      await db.close();
    }
  }, 60_000);
});
