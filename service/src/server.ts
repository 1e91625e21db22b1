import { once } from 'node:events';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { Socket } from 'node:net';
import type Koa from 'koa';
import type { HttpSettings } from './config.js';
import { problem } from './http/problem.js';
import type { Logger } from './logger.js';

/** Above the ALB's 60 s idle timeout, so the ALB (not us) closes idle keep-alive connections. */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/**
 * How often Node looks for requests past their headers or request timeout. Node's default is 30 s, which
 * lets a slow client keep its connection up to 30 s past the timeout; at 1 s a client sees the timeout.
 */
export const CONNECTIONS_CHECK_INTERVAL_MS = 1_000;
/**
 * Requests one connection may have unanswered at once. A client that pipelines requests without reading
 * the answers would otherwise make the service hold every answer in memory; past this the connection
 * is closed. Browsers and the ALB never pipeline.
 */
export const MAX_PIPELINED_REQUESTS = 16;
const IDLE_SWEEP_MS = 100;

export interface ListenOptions {
  host: string;
  http: HttpSettings;
}

export async function listen(
  app: Koa,
  options: ListenOptions,
  port: number,
  logger?: Logger,
): Promise<Server> {
  const handle = app.callback();
  const unanswered = new WeakMap<Socket, number>();
  const server = createServer(
    {
      headersTimeout: options.http.headersTimeoutMs,
      requestTimeout: options.http.requestTimeoutMs,
      connectionsCheckingInterval: CONNECTIONS_CHECK_INTERVAL_MS,
    },
    (request: IncomingMessage, response: ServerResponse) => {
      const { socket } = request;
      const count = (unanswered.get(socket) ?? 0) + 1;
      if (count > MAX_PIPELINED_REQUESTS) {
        logger?.warn(
          { remoteAddress: socket.remoteAddress, limit: MAX_PIPELINED_REQUESTS },
          'closing a connection with too many unanswered pipelined requests',
        );
        socket.destroy();
        return;
      }
      unanswered.set(socket, count);
      response.once('close', () => unanswered.set(socket, (unanswered.get(socket) ?? 1) - 1));
      handle(request, response);
    },
  );
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // Socket inactivity while a request is open: a client that stops reading its answer stops all traffic.
  server.timeout = options.http.writeTimeoutMs;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) =>
    answerClientError(error, socket, options.http, logger),
  );
  server.listen(port, options.host);
  await once(server, 'listening');
  return server;
}

const CLIENT_ERRORS: Record<string, { status: number; detail: (http: HttpSettings) => string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    detail: () => 'the request line and headers are over the limit of 16 KiB',
  },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, detail: () => 'the chunk extensions are too large' },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    detail: (http) =>
      `the request did not arrive in time (headers within ${http.headersTimeoutMs} ms, all of it within ${http.requestTimeoutMs} ms)`,
  },
};

/**
 * What Node's HTTP parser refused before Koa saw a request, answered as problem+json. The choice of
 * status and when an answer may be written follow Node's own default (`socketOnError` in
 * lib/_http_server.js): nothing is written once a response on the socket has started, since that
 * would corrupt it; a reset socket gets nothing.
 */
function answerClientError(
  error: NodeJS.ErrnoException,
  socket: Socket,
  http: HttpSettings,
  logger: Logger | undefined,
): void {
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const known = CLIENT_ERRORS[error.code ?? ''];
  const status = known?.status ?? 400;
  const detail = known?.detail(http) ?? `the request is not valid HTTP/1.1 (${error.code ?? error.message})`;
  logger?.info({ status, code: error.code, remoteAddress: socket.remoteAddress }, 'refused before routing');
  const body = JSON.stringify(problem(status, detail));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  // end() flushes the answer first; a client that does not read it must not keep the socket.
  setTimeout(() => socket.destroy(), 1_000).unref();
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
