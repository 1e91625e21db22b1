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
import { contractCheck } from './contract.js';
import { createScratchDatabase, DIALECTS, type Dialect, type ScratchDatabase } from './databases.js';

/**
 * The Koa app running inside the test's own process, on a scratch database and a free port of
 * 127.0.0.1 (for a test that reaches into its database or lifecycle; `spawnServiceProcess` starts the
 * built service as its own process instead). Its clients hold every response to the OpenAPI document.
 */
export interface InProcessService {
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

export interface InProcessOptions {
  /** Environment on top of the scratch database's DATABASE_URL and an admin token. */
  env?: Record<string, string>;
  /** Receives the service's JSON log lines (level info); otherwise the service logs nothing. */
  logTo?: { write(line: string): void };
  /** Use this database instead of a new scratch one (the caller drops it). */
  database?: ScratchDatabase;
}

export async function startInProcessService(
  dialect: Dialect,
  { env = {}, logTo, database: given }: InProcessOptions = {},
): Promise<InProcessService> {
  const database = given ?? (await createScratchDatabase(dialect));
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
  const server: Server = await listen(app, config, 0);
  const address = server.address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const document = (await new Client(baseUrl).get('/openapi.json')).body;
  const admin = new Client(baseUrl, adminToken, contractCheck(document));
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
      if (given === undefined) await database.drop();
    },
  };
}

/**
 * Runs one suite body against SQLite and against MariaDB: each gets its own scratch database and
 * in-process service, created before the suite and dropped after it.
 */
export function describeOnEachDatabase(name: string, body: (service: () => InProcessService) => void): void {
  describe.each(DIALECTS)(`${name} (%s)`, (dialect) => {
    let service: InProcessService | undefined;
    beforeAll(async () => {
      service = await startInProcessService(dialect);
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
