/**
 * The frame every action's `run()` uses: a cancel signal wired to SIGINT/SIGTERM, and one failure
 * path (formatted error, step failed, exit code 1).
 */
import { type CancelHandle, cancelOnSignals } from './cancel.js';
import { failStep } from './errors.js';
import { type Clock, systemClock } from './poll.js';

export interface ActionContext {
  /** Aborts when the runner cancels the step. */
  signal: AbortSignal;
  clock: Clock;
}

export interface RunActionOptions {
  /** Defaults to the process's SIGINT/SIGTERM. */
  cancel?: CancelHandle;
  clock?: Clock;
}

/**
 * Runs `body` and turns any error it throws into a failed step. `body` sets its outputs itself
 * (in a finally block where they are meaningful on failure).
 */
export async function runAction(
  body: (context: ActionContext) => Promise<void>,
  options: RunActionOptions = {},
): Promise<void> {
  const cancel = options.cancel ?? cancelOnSignals();
  try {
    await body({ signal: cancel.signal, clock: options.clock ?? systemClock });
  } catch (error) {
    failStep(error);
  } finally {
    cancel.dispose();
  }
}
