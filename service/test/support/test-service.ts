import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { Database } from '../../src/db/database.js';
import { prepareDatabase } from '../../src/db/prepare.js';
import { createApp } from '../../src/http/app.js';
import { Lifecycle } from '../../src/http/lifecycle.js';
import { createLogger } from '../../src/logger.js';
import { closeGracefully, listen } from '../../src/server.js';
import { versionInfo } from '../../src/version.js';
import { Client } from './client.js';
import { createScratchDatabase, DIALECTS, type Dialect, type ScratchDatabase } from './databases.js';

/** The service running in this process on a scratch database, on a free port of 127.0.0.1. */
export interface TestService {
  dialect: Dialect;
  baseUrl: string;
  adminToken: string;
  /** Signed in with the admin token. */
  admin: Client;
  /** No Authorization header. */
  anonymous: Client;
  db: Database;
  lifecycle: Lifecycle;
  database: ScratchDatabase;
  /** A client with a fresh token of the role. */
  clientFor(role: 'admin' | 'sales' | 'service'): Promise<Client>;
  stop(): Promise<void>;
}

/** `logTo` receives the service's JSON log lines (level info); otherwise the service logs nothing. */
export async function startTestService(
  dialect: Dialect,
  env: Record<string, string> = {},
  logTo?: { write(line: string): void },
): Promise<TestService> {
  const database = await createScratchDatabase(dialect);
  const adminToken = `test-admin-${randomBytes(16).toString('hex')}`;
  const config = loadConfig({
    DATABASE_URL: database.url,
    DEALERSHIP_ADMIN_TOKEN: adminToken,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: logTo ? 'info' : 'silent',
    DEALERSHIP_COMMIT: 'test-commit',
    ...env,
  });
  const logger = createLogger(config.logLevel, logTo);
  const db = Database.fromConfig(config, logger);
  await prepareDatabase(db, config, logger);
  const lifecycle = new Lifecycle();
  const app = createApp({ config, db, logger, lifecycle, version: versionInfo(config.commit, new Date()) });
  const server: Server = await listen(app, config.host, 0);
  const address = server.address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const admin = new Client(baseUrl, adminToken);
  return {
    dialect,
    baseUrl,
    adminToken,
    admin,
    anonymous: admin.as(null),
    db,
    lifecycle,
    database,
    async clientFor(role) {
      const reply = await admin.post('/tokens', { role, name: `test ${role}` });
      if (reply.status !== 201)
        throw new Error(`POST /tokens answered ${reply.status}: ${JSON.stringify(reply.body)}`);
      return admin.as(reply.body.token);
    },
    async stop() {
      await closeGracefully(server, logger, 1_000);
      await db.close();
      await database.drop();
    },
  };
}

/**
 * Runs one suite body against SQLite and against MariaDB: each gets its own scratch database and
 * service, created before the suite and dropped after it.
 */
export function describeOnEachDatabase(name: string, body: (service: () => TestService) => void): void {
  describe.each(DIALECTS)(`${name} (%s)`, (dialect) => {
    let service: TestService | undefined;
    beforeAll(async () => {
      service = await startTestService(dialect);
    });
    afterAll(async () => {
      await service?.stop();
    });
    body(() => {
      if (service === undefined) throw new Error('the test service did not start');
      return service;
    });
  });
}
