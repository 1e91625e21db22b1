/**
 * Turns the runner's cancel into an AbortSignal. When a job is cancelled the runner sends SIGINT,
 * then SIGTERM about 7.5 s later, then kills the process 2.5 s after that: an action has those ~10 s
 * to stop what it started (its `on-cancel` cleanup). Handling the signals keeps Node from exiting
 * at once; the action's own finally blocks then run and the process ends when they are done.
 */
import * as core from '@actions/core';

/** Why the signal aborted: the runner cancelled the step. */
export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor(readonly signalName: string) {
    super(`The run was cancelled (${signalName})`);
  }
}

export interface CancelHandle {
  signal: AbortSignal;
  /** Removes the process signal handlers. */
  dispose(): void;
}

/** Listens for SIGINT/SIGTERM on `target` (the process unless told) and aborts the returned signal. */
export function cancelOnSignals(
  target: Pick<NodeJS.Process, 'on' | 'off'> = process,
  signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'],
): CancelHandle {
  const controller = new AbortController();
  const handler = (signalName: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      core.warning(`Received ${signalName} again; still cleaning up.`);
      return;
    }
    core.warning(`Received ${signalName}: cancelling and cleaning up what this step started.`);
    controller.abort(new CancelledError(signalName));
  };
  for (const name of signals) target.on(name, handler);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const name of signals) target.off(name, handler);
    },
  };
}
