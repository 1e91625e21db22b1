/**
 * What is live in AWS, read-only: the Auto Scaling group (capacity, the launch template version it
 * is pinned to, its instances with the version and image each was launched from), the launch
 * template's default and latest versions, the deployment group's last successful revision, and the
 * target group's health check and deregistration settings the time budgets derive from. Shared by
 * the release (its decisions) and deploy-plan (the drift a pull request shows).
 */
import { type AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  type CodeDeployClient,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
} from '@aws-sdk/client-codedeploy';
import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  describeLaunchTemplate,
  type LaunchTemplateRef,
  listLaunchTemplateVersions,
} from '../../lib/index.js';

export interface LiveInstance {
  id: string;
  /** The launch template version it was launched from (as Auto Scaling reports it). */
  launchTemplateVersion?: string;
  imageId?: string;
  health?: string;
  lifecycle?: string;
}

export interface LiveGroup {
  name: string;
  desired: number;
  min: number;
  max: number;
  /** The launch template version the group is pinned to (a number, or `$Default`/`$Latest` if someone set one). */
  pinnedVersion?: string;
  healthCheckType?: string;
  healthCheckGraceSeconds: number;
  /** DefaultInstanceWarmup, else the grace period (what an instance refresh waits for when no warmup is set). */
  warmupSeconds: number;
  targetGroupArns: string[];
  instances: LiveInstance[];
}

export interface LiveTemplate {
  id: string;
  name: string;
  defaultVersion: number;
  latestVersion: number;
  /** The image of every version, by version number. */
  images: Record<number, string | undefined>;
}

export interface LiveDeployment {
  id: string;
  revision?: string;
  description?: string;
  endTime?: Date;
}

export interface TargetGroupSettings {
  arn: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  deregistrationDelaySeconds: number;
}

export interface LiveState {
  group: LiveGroup;
  template: LiveTemplate;
  lastDeployment?: LiveDeployment;
  targetGroups: TargetGroupSettings[];
}

export interface StateClients {
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
  codeDeploy: CodeDeployClient;
  elbv2: ElasticLoadBalancingV2Client;
}

export interface StateRequest {
  autoScalingGroup: string;
  launchTemplate: LaunchTemplateRef;
  application: string;
  deploymentGroup: string;
}

/** The group; each instance's image too unless `images` is false (one DescribeInstances fewer). */
export async function readGroup(
  autoScaling: AutoScalingClient,
  ec2: EC2Client,
  name: string,
  abortSignal?: AbortSignal,
  images = true,
): Promise<LiveGroup> {
  const { AutoScalingGroups = [] } = await autoScaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
    { abortSignal },
  );
  const group = AutoScalingGroups[0];
  if (!group) throw new Error(`Auto Scaling group "${name}" was not found`);
  const instances: LiveInstance[] = (group.Instances ?? []).map((i) => ({
    id: i.InstanceId!,
    launchTemplateVersion: i.LaunchTemplate?.Version,
    health: i.HealthStatus,
    lifecycle: i.LifecycleState,
  }));
  if (images) {
    const found = await instanceImages(
      ec2,
      instances.map((i) => i.id),
      abortSignal,
    );
    for (const instance of instances) instance.imageId = found.get(instance.id);
  }
  const grace = group.HealthCheckGracePeriod ?? 0;
  return {
    name,
    desired: group.DesiredCapacity ?? 0,
    min: group.MinSize ?? 0,
    max: group.MaxSize ?? 0,
    pinnedVersion:
      group.LaunchTemplate?.Version ??
      group.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification?.Version,
    healthCheckType: group.HealthCheckType,
    healthCheckGraceSeconds: grace,
    warmupSeconds: group.DefaultInstanceWarmup ?? grace,
    targetGroupArns: group.TargetGroupARNs ?? [],
    instances,
  };
}

/**
 * The image of each instance, asked by an `instance-id` filter rather than by InstanceIds: "If you
 * specify an instance ID that is not valid, an error is returned" (EC2 API Reference,
 * DescribeInstances), and an instance Auto Scaling has just launched may not be visible to EC2 yet
 * (eventual consistency). Asked by filter, such an instance is only absent: its image is unknown, so
 * it counts as one to replace, never as one that already runs the image.
 */
async function instanceImages(ec2: EC2Client, ids: string[], abortSignal?: AbortSignal) {
  const images = new Map<string, string>();
  if (ids.length === 0) return images;
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: ids }], NextToken }),
      { abortSignal },
    );
    for (const reservation of page.Reservations ?? [])
      for (const instance of reservation.Instances ?? [])
        if (instance.InstanceId && instance.ImageId) images.set(instance.InstanceId, instance.ImageId);
    NextToken = page.NextToken;
  } while (NextToken);
  return images;
}

export async function readTemplate(ec2: EC2Client, ref: LaunchTemplateRef): Promise<LiveTemplate> {
  const template = await describeLaunchTemplate(ec2, ref);
  const versions = await listLaunchTemplateVersions(ec2, { LaunchTemplateId: template.LaunchTemplateId! });
  return {
    id: template.LaunchTemplateId!,
    name: template.LaunchTemplateName ?? '',
    defaultVersion: template.DefaultVersionNumber!,
    latestVersion: template.LatestVersionNumber!,
    images: Object.fromEntries(versions.map((v) => [v.VersionNumber!, v.LaunchTemplateData?.ImageId])),
  };
}

/** The deployment group's last successful deployment and its S3 revision (none before the first). */
export async function readLastDeployment(
  codeDeploy: CodeDeployClient,
  application: string,
  deploymentGroup: string,
  abortSignal?: AbortSignal,
): Promise<LiveDeployment | undefined> {
  const { deploymentGroupInfo } = await codeDeploy.send(
    new GetDeploymentGroupCommand({ applicationName: application, deploymentGroupName: deploymentGroup }),
    { abortSignal },
  );
  const last = deploymentGroupInfo?.lastSuccessfulDeployment;
  if (!last?.deploymentId) return undefined;
  const { deploymentInfo } = await codeDeploy.send(
    new GetDeploymentCommand({ deploymentId: last.deploymentId }),
    {
      abortSignal,
    },
  );
  const s3 = deploymentInfo?.revision?.s3Location;
  return {
    id: last.deploymentId,
    revision: s3?.bucket && s3.key ? `s3://${s3.bucket}/${s3.key}` : undefined,
    description: deploymentInfo?.description,
    endTime: last.endTime,
  };
}

export async function readTargetGroups(
  elbv2: ElasticLoadBalancingV2Client,
  arns: string[],
): Promise<TargetGroupSettings[]> {
  if (arns.length === 0) return [];
  const { TargetGroups = [] } = await elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: arns }));
  const settings: TargetGroupSettings[] = [];
  for (const tg of TargetGroups) {
    const { Attributes = [] } = await elbv2.send(
      new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tg.TargetGroupArn }),
    );
    const delay = Attributes.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value;
    settings.push({
      arn: tg.TargetGroupArn!,
      // ELB defaults (Elastic Load Balancing, target group health checks): 30 s, 5 s, 5, 2, delay 300 s.
      intervalSeconds: tg.HealthCheckIntervalSeconds ?? 30,
      timeoutSeconds: tg.HealthCheckTimeoutSeconds ?? 5,
      healthyThreshold: tg.HealthyThresholdCount ?? 5,
      unhealthyThreshold: tg.UnhealthyThresholdCount ?? 2,
      deregistrationDelaySeconds: delay === undefined ? 300 : Number(delay),
    });
  }
  return settings;
}

/** Every target of a target group and its state as ELB says it: `unhealthy (Reason)` when it gives one. */
export async function targetStates(
  elbv2: ElasticLoadBalancingV2Client,
  arn: string,
  abortSignal?: AbortSignal,
): Promise<{ id: string; healthy: boolean; state: string }[]> {
  const { TargetHealthDescriptions = [] } = await elbv2.send(
    new DescribeTargetHealthCommand({ TargetGroupArn: arn }),
    { abortSignal },
  );
  return TargetHealthDescriptions.map((t) => ({
    id: t.Target?.Id ?? '?',
    healthy: t.TargetHealth?.State === 'healthy',
    state: `${t.TargetHealth?.State ?? 'unknown'}${t.TargetHealth?.Reason ? ` (${t.TargetHealth.Reason})` : ''}`,
  }));
}

/** Healthy targets per target group, for the smoke test's "healthy = desired capacity". */
export async function healthyTargets(
  elbv2: ElasticLoadBalancingV2Client,
  arn: string,
  abortSignal?: AbortSignal,
): Promise<{ healthy: string[]; others: string[] }> {
  const healthy: string[] = [];
  const others: string[] = [];
  for (const t of await targetStates(elbv2, arn, abortSignal)) {
    if (t.healthy) healthy.push(t.id);
    else others.push(`${t.id} ${t.state}`);
  }
  return { healthy, others };
}

export async function readLiveState(clients: StateClients, request: StateRequest): Promise<LiveState> {
  const group = await readGroup(clients.autoScaling, clients.ec2, request.autoScalingGroup);
  const [template, lastDeployment, targetGroups] = await Promise.all([
    readTemplate(clients.ec2, request.launchTemplate),
    readLastDeployment(clients.codeDeploy, request.application, request.deploymentGroup),
    readTargetGroups(clients.elbv2, group.targetGroupArns),
  ]);
  return { group, template, lastDeployment, targetGroups };
}
