import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from './config.js';
import { Database, describeTarget } from './db/database.js';
import { prepareDatabase } from './db/prepare.js';
import { createApp } from './http/app.js';
import { Lifecycle } from './http/lifecycle.js';
import { createLogger, flushLogs } from './logger.js';
import { exitOnStartupError } from './process.js';
import { closeGracefully, listen } from './server.js';
import { versionInfo } from './version.js';

async function main(): Promise<void> {
  const startedAt = new Date();
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const db = Database.fromConfig(config, logger);
  logger.info(
    { database: describeTarget(config.database), replicas: config.replicas.map(describeTarget) },
    'starting the dealership service',
  );
  await prepareDatabase(db, config, logger);

  const lifecycle = new Lifecycle();
  const version = versionInfo(config.commit, startedAt);
  const server = await listen(
    createApp({ config, db, logger, lifecycle, version }),
    config,
    config.port,
    logger,
  );
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = ['0.0.0.0', '::'].includes(config.host) ? '127.0.0.1' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info(
    { url, docs: `${url}/docs`, commit: version.commit },
    `listening on ${url}; API docs at ${url}/docs`,
  );
  await flushLogs(logger);

  // A terminal's Ctrl-C or systemd's KillMode=control-group signals the whole process group, and npm
  // (when started by `npm start`) forwards the same signal again: one drain, however many signals come.
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.info({ signal }, 'signal received again while draining; the drain goes on');
      return;
    }
    stopping = true;
    lifecycle.draining = true;
    logger.info({ signal, drainMs: config.shutdownDrainMs }, 'draining: readiness is now 503');
    await sleep(config.shutdownDrainMs);
    logger.info('no longer accepting connections; finishing in-flight requests');
    await closeGracefully(server, logger);
    await db.close();
    logger.info('stopped');
    await flushLogs(logger);
    process.exit(0);
  };
  process.on('SIGTERM', (signal) => void shutdown(signal));
  process.on('SIGINT', (signal) => void shutdown(signal));
}

main().catch(exitOnStartupError);
