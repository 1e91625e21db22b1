/**
 * What a deploy would change, gathered read-only. The repository side (the recipe) is always
 * computed; each AWS side is looked at on its own, and what cannot be seen (no credentials on a
 * fork's pull request, a missing permission) is recorded with the reason instead of failing.
 */
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import {
  type CodeDeployClient,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
} from '@aws-sdk/client-codedeploy';
import type { EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SSMClient } from '@aws-sdk/client-ssm';
import {
  type BaseImage,
  baseImageText,
  describeError,
  describeLaunchTemplate,
  describeLaunchTemplateVersion,
  digestRecipeFiles,
  findImageByRecipeHash,
  type LaunchTemplateRef,
  recipeHash,
  resolveBaseImage,
} from '../../lib/index.js';
import { appspecHooksMs, groupTimings } from '../../release/src/budget.js';
import { type DriftReport, driftOf } from '../../release/src/drift.js';
import { liveRelease, type Release, readRecord } from '../../release/src/record.js';
import { readGroup, readLastDeployment, readTargetGroups, readTemplate } from '../../release/src/state.js';

/** A part of the plan: what was seen, or why it could not be. */
export type Seen<T> = { seen: true; value: T } | { seen: false; reason: string };

async function see<T>(look: () => Promise<T>): Promise<Seen<T>> {
  try {
    return { seen: true, value: await look() };
  } catch (error) {
    return { seen: false, reason: describeError(error) };
  }
}

const unseen = (reason: string) => ({ seen: false, reason }) as const;

export interface PlanRequest {
  base: BaseImage;
  provisionScript: string;
  recipePaths: string[];
  workspace: string;
  autoScalingGroup?: string;
  launchTemplate?: LaunchTemplateRef;
  application?: string;
  deploymentGroup?: string;
  /** The revision bucket holding the release record, and the environment whose record it is. */
  revisionBucket?: string;
  environment?: string;
  /** The appspec.yml whose hook timeouts size the expected duration. */
  appspecPath?: string;
}

/** The AWS clients, or why there are none (no credentials, no region). */
export type PlanAws =
  | {
      ec2: EC2Client;
      ssm: SSMClient;
      autoScaling: AutoScalingClient;
      elbv2: ElasticLoadBalancingV2Client;
      codeDeploy: CodeDeployClient;
      s3: S3Client;
    }
  | { unavailable: string };

export interface Plan {
  /** Why no AWS part could be seen at all (no credentials, no region); undefined with AWS access. */
  awsUnavailable?: string;
  recipe: { filesDigest: string; files: string[]; baseImage: string; baseImageId?: string; hash?: string };
  /** Seen: the image already baked from this recipe, or undefined when a bake is needed. */
  cachedImage: Seen<{ id: string; name: string } | undefined>;
  launchTemplate: Seen<{
    id: string;
    name: string;
    defaultVersion: number;
    defaultImage?: string;
    latestVersion: number;
  }>;
  autoScalingGroup: Seen<AutoScalingView>;
  targetHealth: Seen<{ targetGroup: string; states: Record<string, number> }[]>;
  lastDeployment: Seen<DeploymentView | undefined>;
  /** The release record's live release, the drift between the stack's parts, and what a merge changes. */
  release: Seen<{ live?: Release } & DriftReport>;
}

export interface AutoScalingView {
  name: string;
  desired: number;
  min: number;
  max: number;
  /** The launch template version the group launches (`$Default`, `$Latest` or a number). */
  launchTemplateVersion?: string;
  /** Instances per launch template version. */
  instancesByVersion: Record<string, number>;
  unhealthy: number;
  targetGroupArns: string[];
}

export interface DeploymentView {
  id: string;
  finished?: Date;
  revision: string;
  commit?: string;
}

const notAsked = (input: string) => unseen(`not asked (input ${input} is empty)`);

export async function gatherPlan(aws: PlanAws, request: PlanRequest): Promise<Plan> {
  const files = await digestRecipeFiles({
    root: request.workspace,
    provisionScript: request.provisionScript,
    recipePaths: request.recipePaths,
  });
  const recipe: Plan['recipe'] = {
    filesDigest: files.digest,
    files: files.files,
    baseImage: baseImageText(request.base),
  };

  if ('unavailable' in aws) {
    if ('imageId' in request.base) {
      recipe.baseImageId = request.base.imageId;
      recipe.hash = recipeHash(request.base.imageId, files.digest);
    }
    const reason = unseen(aws.unavailable);
    return {
      awsUnavailable: aws.unavailable,
      recipe,
      cachedImage: reason,
      launchTemplate: reason,
      autoScalingGroup: reason,
      targetHealth: reason,
      lastDeployment: reason,
      release: reason,
    };
  }

  const base = await see(() => resolveBaseImage(aws.ssm, request.base));
  if (base.seen) {
    recipe.baseImageId = base.value;
    recipe.hash = recipeHash(base.value, files.digest);
  }
  const hash = recipe.hash;
  const [cachedImage, launchTemplate, autoScalingGroup, lastDeployment] = await Promise.all([
    hash === undefined
      ? Promise.resolve(unseen(`base image unknown: ${(base as { reason: string }).reason}`))
      : see(async () => {
          const image = await findImageByRecipeHash(aws.ec2, hash);
          return image ? { id: image.ImageId!, name: image.Name ?? '' } : undefined;
        }),
    request.launchTemplate
      ? see(() => viewLaunchTemplate(aws.ec2, request.launchTemplate!))
      : notAsked('launch-template'),
    request.autoScalingGroup
      ? see(() => viewAutoScalingGroup(aws.autoScaling, aws.ec2, request.autoScalingGroup!))
      : notAsked('auto-scaling-group'),
    request.application && request.deploymentGroup
      ? see(() => viewLastDeployment(aws.codeDeploy, request.application!, request.deploymentGroup!))
      : notAsked('application/deployment-group'),
  ]);
  const targetHealth = autoScalingGroup.seen
    ? await see(() => viewTargetHealth(aws.elbv2, autoScalingGroup.value.targetGroupArns))
    : unseen('the Auto Scaling group could not be seen');
  const release =
    request.autoScalingGroup &&
    request.launchTemplate &&
    request.application &&
    request.deploymentGroup &&
    request.revisionBucket
      ? await see(() => viewRelease(aws, request, cachedImage))
      : notAsked('auto-scaling-group/launch-template/application/deployment-group/revision-bucket');
  return { recipe, cachedImage, launchTemplate, autoScalingGroup, targetHealth, lastDeployment, release };
}

async function viewRelease(
  aws: Exclude<PlanAws, { unavailable: string }>,
  request: PlanRequest,
  cachedImage: Plan['cachedImage'],
) {
  const group = await readGroup(aws.autoScaling, aws.ec2, request.autoScalingGroup!);
  const [template, lastDeployment, targetGroups, stored] = await Promise.all([
    readTemplate(aws.ec2, request.launchTemplate!),
    readLastDeployment(aws.codeDeploy, request.application!, request.deploymentGroup!),
    readTargetGroups(aws.elbv2, group.targetGroupArns),
    readRecord(aws.s3, request.revisionBucket!, request.environment ?? 'production'),
  ]);
  const live = liveRelease(stored.record);
  const hooksMs = await appspecHooksMs(request.appspecPath ?? `${request.workspace}/appspec.yml`);
  const report = driftOf({
    live,
    group,
    template,
    lastDeployment,
    recipeImageId: cachedImage.seen ? cachedImage.value?.id : undefined,
    timings: groupTimings(group, targetGroups, hooksMs),
  });
  return { live, ...report };
}

async function viewLaunchTemplate(ec2: EC2Client, ref: LaunchTemplateRef) {
  const template = await describeLaunchTemplate(ec2, ref);
  const byId = { LaunchTemplateId: template.LaunchTemplateId! };
  const defaultVersion = await describeLaunchTemplateVersion(ec2, byId, '$Default');
  return {
    id: template.LaunchTemplateId!,
    name: template.LaunchTemplateName ?? '',
    defaultVersion: template.DefaultVersionNumber!,
    defaultImage: defaultVersion.LaunchTemplateData?.ImageId,
    latestVersion: template.LatestVersionNumber!,
  };
}

async function viewAutoScalingGroup(
  autoScaling: AutoScalingClient,
  ec2: EC2Client,
  name: string,
): Promise<AutoScalingView> {
  const group = await readGroup(autoScaling, ec2, name, undefined, false);
  const instancesByVersion: Record<string, number> = {};
  for (const instance of group.instances) {
    const version = instance.launchTemplateVersion ?? 'no launch template';
    instancesByVersion[version] = (instancesByVersion[version] ?? 0) + 1;
  }
  return {
    name,
    desired: group.desired,
    min: group.min,
    max: group.max,
    launchTemplateVersion: group.pinnedVersion,
    instancesByVersion,
    unhealthy: group.instances.filter((instance) => instance.health !== 'Healthy').length,
    targetGroupArns: group.targetGroupArns,
  };
}

/** `arn:aws:elasticloadbalancing:…:targetgroup/dealership/0123abcd` → `dealership`. */
export function targetGroupName(arn: string): string {
  return /targetgroup\/([^/]+)\//.exec(arn)?.[1] ?? arn;
}

async function viewTargetHealth(elbv2: ElasticLoadBalancingV2Client, arns: string[]) {
  return Promise.all(
    arns.map(async (arn) => {
      const result = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
      const states: Record<string, number> = {};
      for (const target of result.TargetHealthDescriptions ?? []) {
        const state = target.TargetHealth?.State ?? 'unknown';
        states[state] = (states[state] ?? 0) + 1;
      }
      return { targetGroup: targetGroupName(arn), states };
    }),
  );
}

/** The commit a deployment shipped: a GitHub revision's commit, else the `…@<sha>` in its description. */
export function commitOf(
  description: string | undefined,
  gitHubCommit: string | undefined,
): string | undefined {
  return (
    gitHubCommit ??
    /@([0-9a-f]{7,40})\b/.exec(description ?? '')?.[1] ??
    /\b[0-9a-f]{40}\b/.exec(description ?? '')?.[0]
  );
}

async function viewLastDeployment(
  codeDeploy: CodeDeployClient,
  application: string,
  deploymentGroup: string,
) {
  const group = await codeDeploy.send(
    new GetDeploymentGroupCommand({ applicationName: application, deploymentGroupName: deploymentGroup }),
  );
  const last = group.deploymentGroupInfo?.lastSuccessfulDeployment;
  if (!last?.deploymentId) return undefined;
  const { deploymentInfo } = await codeDeploy.send(
    new GetDeploymentCommand({ deploymentId: last.deploymentId }),
  );
  const s3 = deploymentInfo?.revision?.s3Location;
  const gitHub = deploymentInfo?.revision?.gitHubLocation;
  return {
    id: last.deploymentId,
    finished: last.endTime,
    revision: s3
      ? `s3://${s3.bucket}/${s3.key}`
      : gitHub
        ? `${gitHub.repository}@${gitHub.commitId}`
        : 'unknown',
    commit: commitOf(deploymentInfo?.description, gitHub?.commitId),
  };
}
