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

interface Pending {
  /** Requests received on the connection and not yet answered in full. */
  unanswered: number;
  /** Bytes the socket held at the last look, and since when they have not shrunk. */
  buffered: number;
  stalledSince: number | undefined;
}

/**
 * The connections with answers outstanding, for two limits Node does not have. Pipelining: a client that
 * sends many requests without reading the answers makes Node parse them all and the service hold every
 * answer; past MAX_PIPELINED_REQUESTS unanswered the connection is closed. Writes: an answer a client does
 * not read stays in the socket's buffer (and Node's keep-alive timer only starts once it is written);
 * when that buffer has not shrunk for the write timeout, the connection is closed and the buffer freed.
 * One sweep a second looks at the connections that have answers outstanding, so a request costs a map
 * update, not a timer.
 */
class OutstandingAnswers {
  private readonly pending = new Map<Socket, Pending>();
  /** Connections closed for pipelining too much: the requests Node already parsed from them are dropped. */
  private readonly refused = new WeakSet<Socket>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly writeTimeoutMs: number,
    private readonly logger: Logger | undefined,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(CONNECTIONS_CHECK_INTERVAL_MS, writeTimeoutMs));
    this.sweeper.unref();
  }

  /** Counts a new request; false (and the connection closed) when it is one too many. */
  admit(socket: Socket, response: ServerResponse): boolean {
    if (this.refused.has(socket)) return false;
    let entry = this.pending.get(socket);
    if (entry === undefined) {
      entry = { unanswered: 0, buffered: 0, stalledSince: undefined };
      this.pending.set(socket, entry);
    }
    if (entry.unanswered >= MAX_PIPELINED_REQUESTS) {
      this.logger?.warn(
        { remoteAddress: socket.remoteAddress, limit: MAX_PIPELINED_REQUESTS },
        'closing a connection with too many unanswered pipelined requests',
      );
      this.forget(socket);
      this.refused.add(socket);
      socket.destroy();
      return false;
    }
    entry.unanswered += 1;
    const pending = entry;
    // 'close' comes once the answer is fully written, or when the connection goes.
    response.once('close', () => {
      pending.unanswered -= 1;
      if (pending.unanswered <= 0 && socket.writableLength === 0) this.forget(socket);
    });
    return true;
  }

  private forget(socket: Socket): void {
    this.pending.delete(socket);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [socket, entry] of this.pending) {
      const buffered = socket.writableLength;
      if (socket.destroyed || (entry.unanswered <= 0 && buffered === 0)) {
        this.forget(socket);
      } else if (buffered === 0 || buffered < entry.buffered) {
        entry.stalledSince = undefined;
      } else if (entry.stalledSince === undefined) {
        entry.stalledSince = now;
      } else if (now - entry.stalledSince >= this.writeTimeoutMs) {
        this.logger?.info(
          { remoteAddress: socket.remoteAddress, writeTimeoutMs: this.writeTimeoutMs, buffered },
          'closing a connection whose client stopped reading its answers',
        );
        this.forget(socket);
        socket.destroy();
        continue;
      }
      entry.buffered = buffered;
    }
  }

  stop(): void {
    clearInterval(this.sweeper);
  }
}

export async function listen(
  app: Koa,
  options: ListenOptions,
  port: number,
  logger?: Logger,
): Promise<Server> {
  const handle = app.callback();
  const outstanding = new OutstandingAnswers(options.http.writeTimeoutMs, logger);
  const server = createServer(
    {
      headersTimeout: options.http.headersTimeoutMs,
      requestTimeout: options.http.requestTimeoutMs,
      connectionsCheckingInterval: CONNECTIONS_CHECK_INTERVAL_MS,
    },
    (request: IncomingMessage, response: ServerResponse) => {
      if (outstanding.admit(request.socket, response)) handle(request, response);
    },
  );
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.on('close', () => outstanding.stop());
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
