/**
 * AWS errors as the SDK itself hands them to the code, and a way to make any SDK client meet them.
 *
 * `awsError(codedeploy, 'DeploymentNotStartedException')` builds the installed SDK's own exception
 * class, with the fault (client/server) and HTTP status its service model gives the error (the
 * `XxxException$` schema the SDK exports: `error`, `httpError`, `awsQueryError` traits), so the retry
 * strategy and the code's `instanceof` checks see exactly what a real response would give them
 * (faults.test.ts compares it with the SDK's deserializer reading a real HTTP error response).
 *
 * `injectFaults(client, [...])` makes a client's calls of one operation fail with such an error, a
 * number of times or until a moment on the clock. It sits in the finalize step after the SDK's retry
 * middleware, so the client's real retry strategy decides what happens next; any client can carry it
 * (a moto-backed one, a simulated one, a mocked one).
 */
import type { FinalizeHandlerArguments, MiddlewareStack } from '@smithy/types';
import { metadata } from './calls.js';

/** An `@aws-sdk/client-*` module: its exception classes and their `…$` schemas. */
export type SdkModule = Record<string, unknown>;

interface ErrorTraits {
  error?: 'client' | 'server';
  httpError?: number;
  awsQueryError?: [string, number];
}

/** What the service model says about one error: its fault and HTTP status (protocol defaults 400/500). */
export function errorShape(sdk: SdkModule, name: string): { fault: 'client' | 'server'; status: number } {
  const schema = sdk[`${name}$`];
  if (!Array.isArray(schema) || schema[0] !== -3) {
    throw new Error(`the installed SDK module has no error shape named ${name}`);
  }
  const traits = (schema[3] ?? {}) as ErrorTraits;
  const fault = traits.error === 'server' ? 'server' : 'client';
  return { fault, status: traits.httpError ?? traits.awsQueryError?.[1] ?? (fault === 'server' ? 500 : 400) };
}

/**
 * The SDK's own exception `name` of `sdk`, as the SDK would throw it from a real answer: its class
 * (so `instanceof` works), `$fault`, and `$metadata.httpStatusCode` from the model. `status` overrides
 * the model where a service documents another one (S3's HeadObject answers NotFound as HTTP 404).
 */
export function awsError(
  sdk: SdkModule,
  name: string,
  message = `${name} (simulated)`,
  status?: number,
): Error & { $fault: string; $metadata: ReturnType<typeof metadata> } {
  const shape = errorShape(sdk, name);
  const Class = sdk[name] as new (
    options: object,
  ) => Error & {
    $fault: string;
    $metadata: ReturnType<typeof metadata>;
  };
  if (typeof Class !== 'function') throw new Error(`the installed SDK module has no exception class ${name}`);
  return new Class({ message, $fault: shape.fault, $metadata: metadata(status ?? shape.status) });
}

/** One injected failure: `operation` (e.g. `ListDeploymentTargets`) fails with `error`. */
export interface Fault {
  operation: string;
  /** A fresh error per failed call. */
  error: () => Error;
  /** Fails this many calls (default: every call while `until` allows). */
  times?: number;
  /** Fails calls until this clock time (ms); needs `now`. */
  until?: number;
  /** Fails only calls whose input passes (default: every call of the operation). */
  when?: (input: Record<string, unknown>) => boolean;
}

interface AnyClient {
  // biome-ignore lint/suspicious/noExplicitAny: every SDK client's stack has its own input/output unions
  middlewareStack: MiddlewareStack<any, any>;
}

/** What an injector saw: every call of a faulted operation, and whether it failed. */
export interface FaultLog {
  calls: Array<{ operation: string; failed: boolean }>;
}

/**
 * Makes `client` fail the calls `faults` name, in order of the list (a fault whose `times` are used
 * up or whose `until` has passed lets the call through). `now` is the clock `until` is read from.
 */
export function injectFaults(client: AnyClient, faults: Fault[], now: () => number = Date.now): FaultLog {
  const log: FaultLog = { calls: [] };
  const left = faults.map((f) => f.times ?? Number.POSITIVE_INFINITY);
  client.middlewareStack.add(
    (next, context) => async (args: FinalizeHandlerArguments<object>) => {
      const operation = String(context.commandName ?? '').replace(/Command$/, '');
      const input = ((args as { input?: Record<string, unknown> }).input ?? {}) as Record<string, unknown>;
      const index = faults.findIndex(
        (f, i) =>
          f.operation === operation &&
          left[i]! > 0 &&
          (f.until === undefined || now() < f.until) &&
          (f.when === undefined || f.when(input)),
      );
      const touched = faults.some((f) => f.operation === operation);
      if (touched) log.calls.push({ operation, failed: index >= 0 });
      if (index < 0) return next(args);
      left[index]! -= 1;
      throw faults[index]!.error();
    },
    // After the retry middleware (finalize, high) and before a simulation's transport (finalize, low).
    { step: 'finalizeRequest', priority: 'normal', name: 'dealershipFaults', override: true },
  );
  return log;
}
