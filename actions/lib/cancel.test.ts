import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { runAction } from './action.js';
import { CancelledError, cancelOnSignals } from './cancel.js';

/** A stand-in for the process that the test can send signals to. */
function fakeProcess() {
  const emitter = new EventEmitter();
  return {
    target: emitter as unknown as NodeJS.Process,
    send: (name: NodeJS.Signals) => emitter.emit(name, name),
    emitter,
  };
}

describe('cancelOnSignals', () => {
  it('aborts the signal with a CancelledError on SIGINT and stays aborted on SIGTERM', () => {
    const proc = fakeProcess();
    const cancel = cancelOnSignals(proc.target);
    expect(cancel.signal.aborted).toBe(false);
    proc.send('SIGINT');
    expect(cancel.signal.aborted).toBe(true);
    expect(cancel.signal.reason).toBeInstanceOf(CancelledError);
    expect((cancel.signal.reason as Error).message).toBe('The run was cancelled (SIGINT)');
    proc.send('SIGTERM');
    expect((cancel.signal.reason as CancelledError).signalName).toBe('SIGINT');
    cancel.dispose();
    expect(proc.emitter.listenerCount('SIGINT')).toBe(0);
    expect(proc.emitter.listenerCount('SIGTERM')).toBe(0);
  });
});

describe('runAction', () => {
  it('lets the body clean up after a cancel and then fails the step with the reason', async () => {
    const proc = fakeProcess();
    const cancel = cancelOnSignals(proc.target);
    const events: string[] = [];
    const savedExitCode = process.exitCode;
    try {
      await runAction(
        async ({ signal }) => {
          try {
            proc.send('SIGTERM');
            signal.throwIfAborted();
          } finally {
            events.push('cleaned up');
          }
        },
        { cancel },
      );
      expect(events).toEqual(['cleaned up']);
      expect(process.exitCode).toBe(1);
      expect(proc.emitter.listenerCount('SIGTERM')).toBe(0);
    } finally {
      process.exitCode = savedExitCode;
    }
  });
});
