import { randomUUID } from 'node:crypto';

/** What a simulated service's throttling error carries besides its name. */
export interface ThrottlingFields {
  message: string;
  $fault: 'client';
  $metadata: ReturnType<typeof metadata>;
}

/** Every API call the simulation served, with the simulated time it arrived. */
export interface SimCall {
  at: number;
  operation: string;
  input: unknown;
  throttled: boolean;
}

/**
 * The bookkeeping both simulated services share: a call log (for assertions and the benchmark's
 * calls-per-minute figure), request ids, and throttling bursts (the next N calls, or a time window).
 */
export class CallLedger {
  readonly calls: SimCall[] = [];
  #throttleNext = 0;
  #throttleWindows: Array<{ from: number; to: number }> = [];

  constructor(private readonly now: () => number) {}

  /** The next `count` calls are refused with the service's throttling error. */
  throttleNext(count: number): void {
    this.#throttleNext += count;
  }

  /** Every call between `fromMs` and `toMs` (absolute) is refused with a throttling error. */
  throttleBetween(fromMs: number, toMs: number): void {
    this.#throttleWindows.push({ from: fromMs, to: toMs });
  }

  /** Records a call; returns true when it must be throttled. */
  record(operation: string, input: unknown): boolean {
    const at = this.now();
    let throttled = this.#throttleWindows.some((w) => at >= w.from && at < w.to);
    if (!throttled && this.#throttleNext > 0) {
      this.#throttleNext -= 1;
      throttled = true;
    }
    this.calls.push({ at, operation, input, throttled });
    return throttled;
  }

  /**
   * Serves one call the way both simulated services do: records it, refuses it with the service's
   * throttling error when a burst says so, else answers with the operation's handler.
   */
  serve(
    service: string,
    operation: string,
    input: unknown,
    throttlingError: (fields: ThrottlingFields) => Error,
    handlers: Record<string, (input: unknown) => object>,
  ): object {
    if (this.record(operation, input)) {
      throw throttlingError({ message: 'Rate exceeded', $fault: 'client', $metadata: metadata(400) });
    }
    const handler = Object.hasOwn(handlers, operation) ? handlers[operation] : undefined;
    if (!handler) throw new Error(`the ${service} simulation does not serve ${operation}`);
    return handler(input);
  }

  count(operation?: string): number {
    return operation ? this.calls.filter((c) => c.operation === operation).length : this.calls.length;
  }
}

export function requestId(): string {
  return randomUUID();
}

export function metadata(httpStatusCode = 200) {
  return { httpStatusCode, requestId: requestId(), attempts: 1, totalRetryDelay: 0 };
}
