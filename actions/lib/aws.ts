/**
 * The one AWS client factory. Every client gets the same region, adaptive retries (client-side rate
 * limiting plus exponential backoff on throttling) and user agent. Endpoints come from the SDK's own
 * configuration: `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_<SERVICE>`) points every client at a local
 * endpoint such as moto, which is how the tests run the built actions.
 */
import type { MiddlewareStack } from '@smithy/types';
import { AWS_CLIENTS } from './aws-errors.js';

/** Attempts per AWS call, the first included; throttled calls back off up to 20 s between attempts. */
export const DEFAULT_MAX_ATTEMPTS = 8;

export interface AwsClientOptions {
  region: string;
  maxAttempts?: number;
}

/** The configuration every client is built with. */
export function awsClientConfig(options: AwsClientOptions) {
  return {
    region: options.region,
    retryMode: 'adaptive' as const,
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    customUserAgent: 'dealership-actions',
  };
}

/** The S3 client's configuration: a custom endpoint (moto, LocalStack, a VPC endpoint URL) has no per-bucket DNS names. */
export function s3ClientConfig(options: AwsClientOptions) {
  const custom = Boolean(process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_S3);
  return { ...awsClientConfig(options), forcePathStyle: custom };
}

/** Any SDK client: what {@link nameOperations} needs of it. */
export interface AnyAwsClient {
  // biome-ignore lint/suspicious/noExplicitAny: every SDK client's stack has its own input/output unions
  middlewareStack: MiddlewareStack<any, any>;
}

/**
 * The one way to make an AWS client: `createClient(EC2Client, { region })`, with the shared
 * configuration (S3: `createClient(S3Client, options, s3ClientConfig(options))`). Each action imports
 * only the SDK clients it uses, so its bundle carries only those (EC2 alone is 2 MB of start-up
 * parsing). Every error the client throws names its operation (see {@link nameOperations}).
 */
export function createClient<C extends AnyAwsClient, Config extends ReturnType<typeof awsClientConfig>>(
  Client: new (config: Config) => C,
  options: AwsClientOptions,
  config: Config = awsClientConfig(options) as Config,
): C {
  return nameOperations(new Client(config));
}

/** `CodeDeployClient` + `CreateDeploymentCommand` → `codedeploy:CreateDeployment`, the key of AWS_ERRORS. */
export function operationName(clientName: string, commandName: string): string {
  const service = AWS_CLIENTS.find((c) => c.client === clientName)?.service ?? clientName;
  return `${service}:${commandName.replace(/Command$/, '')}`;
}

/**
 * Marks every error the client throws with the operation that threw it (`error.$operation`), so the
 * one error formatter can add what to do about it (AWS_ERRORS in aws-errors.ts).
 */
export function nameOperations<C extends AnyAwsClient>(client: C): C {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (error instanceof Error && !Object.hasOwn(error, '$operation')) {
          const operation = operationName(String(context.clientName), String(context.commandName));
          Object.defineProperty(error, '$operation', { value: operation, enumerable: false });
        }
        throw error;
      }
    },
    { step: 'initialize', priority: 'high', name: 'dealershipOperationName', override: true },
  );
  return client;
}

/**
 * Whether the SDK's default credential chain finds credentials (it does not in a pull request from a
 * fork, where the workflow gets no OIDC token). Never throws.
 */
export async function hasAwsCredentials(client: { config: { credentials: () => Promise<unknown> } }) {
  try {
    await client.config.credentials();
    return true;
  } catch {
    return false;
  }
}
