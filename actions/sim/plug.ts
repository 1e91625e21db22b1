import type {
  AwsCredentialIdentity,
  FinalizeHandlerArguments,
  MetadataBearer,
  MiddlewareStack,
} from '@smithy/types';
import { awsClientConfig, nameOperations } from '../lib/aws.js';
import { metadata } from './calls.js';

/** What a simulated service answers: the operation's output, or it throws the service's error. */
export interface SimulatedService {
  handle(operation: string, input: unknown): object;
}

interface AnyClient {
  // biome-ignore lint/suspicious/noExplicitAny: every SDK client's stack has its own input/output unions
  middlewareStack: MiddlewareStack<any, any>;
}

/**
 * Serves a real SDK client's calls from a simulated service. The middleware sits at the end of the
 * finalize step: serialization, the client's retry strategy (adaptive retries, throttling back-off) and
 * signing all run for real, only the HTTP round trip is replaced.
 */
export function plugSimulation(client: AnyClient, service: SimulatedService): void {
  client.middlewareStack.add(
    (_next, context) => async (args: FinalizeHandlerArguments<object>) => {
      const operation = String(context.commandName ?? '').replace(/Command$/, '');
      const { Body, ...output } = service.handle(operation, (args as { input?: unknown }).input ?? {}) as {
        Body?: unknown;
      };
      // A streaming payload (GetObject's Body, with its transformToString) is handed over as it is;
      // the rest is copied, so the caller never holds the simulation's own state.
      const result: MetadataBearer = {
        ...structuredClone(output),
        ...(Body === undefined ? {} : { Body }),
        $metadata: metadata(),
      };
      return { output: result, response: { statusCode: 200, headers: {} } };
    },
    { step: 'finalizeRequest', priority: 'low', name: 'dealershipSimulation', override: true },
  );
}

/**
 * A real SDK client, configured as the actions configure theirs (adaptive retries, up to 8 attempts),
 * with fake credentials, served by `service`: `simulatedClient(AutoScalingClient, sim)`.
 */
export function simulatedClient<C extends AnyClient>(
  Client: new (config: ReturnType<typeof awsClientConfig> & { credentials: AwsCredentialIdentity }) => C,
  service: SimulatedService,
): C {
  const client = new Client({
    ...awsClientConfig({ region: 'eu-west-1' }),
    credentials: { accessKeyId: 'AKIDSIMULATION', secretAccessKey: 'simulation' },
  });
  plugSimulation(client, service);
  return nameOperations(client);
}
