/**
 * The one AWS client factory. Every client gets the same region, adaptive retries (client-side rate
 * limiting plus exponential backoff on throttling) and user agent. Endpoints come from the SDK's own
 * configuration: `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_<SERVICE>`) points every client at a local
 * endpoint such as moto, which is how the tests run the built actions.
 */
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

/**
 * The one way to make an AWS client: `createClient(EC2Client, { region })`, with the shared
 * configuration. Each action imports only the SDK clients it uses, so its bundle carries only those
 * (EC2 alone is 2 MB of start-up parsing). S3 takes {@link s3ClientConfig} instead.
 */
export function createClient<C>(
  Client: new (config: ReturnType<typeof awsClientConfig>) => C,
  options: AwsClientOptions,
): C {
  return new Client(awsClientConfig(options));
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
