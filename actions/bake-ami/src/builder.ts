/**
 * The builder instance: launched from the base image with the provision script as user data; the
 * script powers it off when done (shutdown behaviour `stop`), which is what the bake waits for.
 */
import {
  type _InstanceType,
  DescribeInstancesCommand,
  type DescribeInstancesCommandOutput,
  type EC2Client,
  GetConsoleOutputCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { awsErrorCode, done, pending, poll, toAwsTags, type WaitOptions } from '../../lib/index.js';

/** EC2 takes at most 16 KB of user data (before base64). */
export const MAX_USER_DATA_BYTES = 16_384;

export interface BuilderSpec {
  baseImageId: string;
  instanceType: string;
  subnetId?: string;
  securityGroupIds: string[];
  /** Instance profile name or ARN. */
  instanceProfile?: string;
  userData: Buffer;
  tags: Record<string, string>;
  /** Makes a retried RunInstances launch one instance, not two. */
  clientToken: string;
}

export async function launchBuilder(ec2: EC2Client, spec: BuilderSpec): Promise<string> {
  const result = await ec2.send(
    new RunInstancesCommand({
      ImageId: spec.baseImageId,
      InstanceType: spec.instanceType as _InstanceType,
      MinCount: 1,
      MaxCount: 1,
      SubnetId: spec.subnetId || undefined,
      SecurityGroupIds: spec.securityGroupIds.length > 0 ? spec.securityGroupIds : undefined,
      IamInstanceProfile: spec.instanceProfile
        ? spec.instanceProfile.startsWith('arn:')
          ? { Arn: spec.instanceProfile }
          : { Name: spec.instanceProfile }
        : undefined,
      UserData: spec.userData.toString('base64'),
      InstanceInitiatedShutdownBehavior: 'stop',
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' },
      TagSpecifications: [
        { ResourceType: 'instance', Tags: toAwsTags(spec.tags) },
        { ResourceType: 'volume', Tags: toAwsTags(spec.tags) },
      ],
      ClientToken: spec.clientToken,
    }),
  );
  const instanceId = result.Instances?.[0]?.InstanceId;
  if (!instanceId) throw new Error('RunInstances returned no instance');
  return instanceId;
}

/** Waits until the builder is `stopped`; a builder that terminates instead is a failed provision. */
export function waitForBuilderStopped(
  ec2: EC2Client,
  instanceId: string,
  options: WaitOptions,
): Promise<void> {
  return poll({
    what: `builder ${instanceId} to power off`,
    ...options,
    check: async () => {
      let result: DescribeInstancesCommandOutput | undefined;
      try {
        result = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      } catch (error) {
        // Just after RunInstances the instance may not be visible yet.
        if (awsErrorCode(error) !== 'InvalidInstanceID.NotFound') throw error;
      }
      const instance = result?.Reservations?.[0]?.Instances?.[0];
      const state = instance?.State?.Name ?? 'not visible yet';
      if (state === 'stopped') return done(undefined);
      if (state === 'terminated' || state === 'shutting-down') {
        throw new Error(
          `Builder ${instanceId} is ${state} instead of stopped (${instance?.StateReason?.Message ?? 'no reason given'})`,
        );
      }
      return pending(state);
    },
  });
}

/** The last lines of the builder's console (the provision script's output), for a failed bake's log. */
export async function builderConsoleTail(ec2: EC2Client, instanceId: string, lines = 40): Promise<string> {
  const result = await ec2.send(new GetConsoleOutputCommand({ InstanceId: instanceId, Latest: true }));
  if (!result.Output) return '';
  return Buffer.from(result.Output, 'base64').toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

export async function terminateBuilder(ec2: EC2Client, instanceId: string): Promise<void> {
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
}
