import { pino } from 'pino';
import type { LogLevel } from './config.js';

export type Logger = pino.Logger;

/** JSON logs on stdout. Authorization headers and tokens are never passed to the logger. */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { service: 'dealership' }, timestamp: pino.stdTimeFunctions.isoTime });
}
