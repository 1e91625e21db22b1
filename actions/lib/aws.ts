/**
 * The one AWS client factory. Every client gets the same region, adaptive retries (client-side rate
 * limiting plus exponential backoff on throttling) and user agent. Endpoints come from the SDK's own
 * configuration: `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_<SERVICE>`) points every client at a local
 * endpoint such as moto, which is how the tests run the built actions.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';

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
 * One client built with the shared configuration, for an action that needs only a few services:
 * `createClient(AutoScalingClient, { region })`. Bundles then carry only the SDK clients they use
 * (`createAwsClients` references all six, EC2 alone is 2 MB of start-up parsing).
 */
export function createClient<C>(
  Client: new (config: ReturnType<typeof awsClientConfig>) => C,
  options: AwsClientOptions,
): C {
  return new Client(awsClientConfig(options));
}

/** The typed clients an action may use; each is created on first use. */
export interface AwsClients {
  readonly ec2: EC2Client;
  readonly autoScaling: AutoScalingClient;
  readonly ssm: SSMClient;
  readonly codeDeploy: CodeDeployClient;
  readonly s3: S3Client;
  readonly elbv2: ElasticLoadBalancingV2Client;
}

export function createAwsClients(options: AwsClientOptions): AwsClients {
  const config = awsClientConfig(options);
  const cache = new Map<string, unknown>();
  const once = <T>(key: string, make: () => T): T => {
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key) as T;
  };
  return {
    get ec2() {
      return once('ec2', () => new EC2Client(config));
    },
    get autoScaling() {
      return once('autoScaling', () => new AutoScalingClient(config));
    },
    get ssm() {
      return once('ssm', () => new SSMClient(config));
    },
    get codeDeploy() {
      return once('codeDeploy', () => new CodeDeployClient(config));
    },
    get s3() {
      return once('s3', () => new S3Client(s3ClientConfig(options)));
    },
    get elbv2() {
      return once('elbv2', () => new ElasticLoadBalancingV2Client(config));
    },
  };
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
