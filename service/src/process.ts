import { ConfigError } from './config.js';

/** A failure before the service (or a CLI) could do its work: one clear line on stderr, exit 1. */
export function exitOnStartupError(error: unknown): never {
  const message =
    error instanceof ConfigError
      ? `configuration error: ${error.message}`
      : `failed: ${describeError(error)}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** The error's message, and its cause's when it says more (Sequelize wraps the driver's error). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { parent?: Error; original?: Error }).parent ?? error.cause;
  return cause instanceof Error && cause.message !== error.message
    ? `${error.message} (${cause.message})`
    : error.message;
}
