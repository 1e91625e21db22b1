import { setTimeout as sleep } from 'node:timers/promises';

/** Thrown by an attempt to stop waiting at once (the awaited thing can no longer happen). */
export class GiveUp extends Error {}

/**
 * Polls `attempt` until it resolves to a value other than undefined, or fails with the last
 * error once `timeoutMs` has passed. `describe` names what was awaited in the error.
 */
export async function waitUntil<T>(
  describe: string,
  attempt: () => Promise<T | undefined>,
  { timeoutMs = 20_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${describe}${cause}`, {
        cause: lastError,
      });
    }
    await sleep(intervalMs);
  }
}
