import { pino } from 'pino';
import type { LogLevel } from './config.js';

export type Logger = pino.Logger;

/** Lines are written in batches of this many bytes, or after this long, whichever comes first. */
const BATCH_BYTES = 4096;
export const LOG_FLUSH_INTERVAL_MS = 1_000;

/**
 * JSON logs on stdout (journald under systemd), written asynchronously in batches: a request never
 * waits for the write, and the lines of many requests share one write. One write per line cost more
 * CPU than anything else the service adds to a list request (a thread-pool round trip each, seen in
 * `npm run bench:service`'s profile). A line reaches stdout within a second, or at once on shutdown
 * (flushLogs). Authorization headers and tokens are never passed to the logger.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const options = { level, base: { service: 'dealership' }, timestamp: pino.stdTimeFunctions.isoTime };
  if (destination !== undefined) return pino(options, destination);
  const stdout = pino.destination({ dest: 1, sync: false, minLength: BATCH_BYTES });
  setInterval(() => stdout.flush(), LOG_FLUSH_INTERVAL_MS).unref();
  return pino(options, stdout);
}

/** Waits until every line logged so far is written (before process.exit). */
export function flushLogs(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}

/** For the CLIs: synchronous lines on stderr, so stdout carries only the command's JSON result. */
export function createCliLogger(level: LogLevel): Logger {
  return createLogger(level === 'info' ? 'warn' : level, pino.destination({ dest: 2, sync: true }));
}
