import { pino } from 'pino';
import type { LogLevel } from './config.js';

export type Logger = pino.Logger;

/** JSON logs on stdout. Authorization headers and tokens are never passed to the logger. */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const options = { level, base: { service: 'dealership' }, timestamp: pino.stdTimeFunctions.isoTime };
  return destination === undefined ? pino(options) : pino(options, destination);
}
