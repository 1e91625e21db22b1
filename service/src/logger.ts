import { pino } from 'pino';
import type { LogLevel } from './config.js';

export type Logger = pino.Logger;

/**
 * JSON logs on stdout, written asynchronously (a request never waits for the write; lines that arrive
 * while one is in flight go out together). Authorization headers and tokens are never passed to it.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const options = { level, base: { service: 'dealership' }, timestamp: pino.stdTimeFunctions.isoTime };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}

/** Waits until every line logged so far is written (before process.exit). */
export function flushLogs(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}

/** For the CLIs: synchronous lines on stderr, so stdout carries only the command's JSON result. */
export function createCliLogger(level: LogLevel): Logger {
  return createLogger(level === 'info' ? 'warn' : level, pino.destination({ dest: 2, sync: true }));
}
