import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type Koa from 'koa';
import type { Logger } from './logger.js';

/** Above the ALB's 60 s idle timeout, so the ALB (not us) closes idle connections. */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
export const HEADERS_TIMEOUT_MS = 66_000;
const IDLE_SWEEP_MS = 100;

export async function listen(app: Koa, host: string, port: number): Promise<Server> {
  const server = createServer(app.callback());
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.listen(port, host);
  await once(server, 'listening');
  return server;
}

/**
 * Stops accepting, lets in-flight requests finish, and closes keep-alive sockets as soon as they are
 * idle (a socket that finishes its request later is closed then). Sockets still busy after
 * `hardLimitMs` are cut.
 */
export async function closeGracefully(server: Server, logger: Logger, hardLimitMs = 30_000): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const sweeper = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  const hardStop = setTimeout(() => {
    logger.warn({ hardLimitMs }, 'requests still running at the shutdown limit; closing their connections');
    server.closeAllConnections();
  }, hardLimitMs);
  try {
    await closed;
  } finally {
    clearInterval(sweeper);
    clearTimeout(hardStop);
  }
}
