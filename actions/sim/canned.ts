/**
 * Canned AWS for the error-space test (sim/error-space.test.ts): in-memory answers for what the
 * simulations of CodeDeploy and instance refreshes do not serve, so that a caller runs end to end
 * while faults.ts makes one operation answer one error. Where a caller depends on how AWS answers,
 * the rule follows the AWS API reference named beside it (tested in canned.test.ts); everything else
 * is a fixed answer of the documented shape.
 *
 * `cannedRelease()` is one stack as the release and the plan see it: an Auto Scaling group (its
 * instances on the old image, pinned to launch template version 1), the launch template, the recipe's
 * image already baked, a target group, the revision bucket with an old revision, and CodeDeploy with
 * the live revision deployed an hour ago.
 */
import { createHash } from 'node:crypto';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { EC2Client, type Image } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import * as s3Sdk from '@aws-sdk/client-s3';
import { S3Client, S3ServiceException, type Tag } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { ReleaseClients } from '../release/src/converge.js';
import { AutoScalingSim, lastCheckpointBelow100 } from './autoscaling.js';
import { metadata } from './calls.js';
import { FakeClock } from './clock.js';
import { CodeDeploySim } from './codedeploy.js';
import { awsError } from './faults.js';
import { type SimulatedService, simulatedClient } from './plug.js';

type Input = Record<string, unknown>;
export type Handlers = Record<string, (input: Input) => object>;

/** A service answering from handlers (their state kept by the closure); any other operation is refused. */
export const canned = (handlers: Handlers): SimulatedService => ({
  handle(operation, input) {
    const handler = handlers[operation];
    if (!handler) throw new Error(`no canned answer for ${operation}`);
    return handler(input as Input);
  },
});

/**
 * An S3 error code the SDK's model does not name (S3 documents it on the operation), as the SDK hands
 * it over: its client's base exception with the code as name and S3's HTTP status.
 */
export function s3ErrorOutsideModel(name: string, status: number, message = `${name} (simulated)`): Error {
  return new S3ServiceException({ name, message, $fault: 'client', $metadata: metadata(status) });
}

interface StoredObject {
  body: string;
  etag: string;
  tags: Tag[];
}

/** Buckets in memory: objects, their ETags and tags. */
export class CannedBucket {
  readonly objects = new Map<string, StoredObject>();

  /** Stores an object as PutObject does (its ETag the MD5 of its bytes, in quotes, as S3's is for a single-part upload). */
  put(bucket: string, key: string, body: string | Uint8Array): StoredObject {
    const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
    const object = {
      body: bytes.toString(),
      etag: `"${createHash('md5').update(bytes).digest('hex')}"`,
      tags: [],
    };
    this.objects.set(`${bucket}/${key}`, object);
    return object;
  }

  get(bucket: string, key: string): StoredObject | undefined {
    return this.objects.get(`${bucket}/${key}`);
  }

  service(): SimulatedService {
    const missing = (i: Input) => !this.get(String(i.Bucket), String(i.Key));
    return canned({
      // A HEAD answer has no body, so the code is the status's (Amazon S3 API Reference, HeadObject).
      HeadObject: (i) => {
        if (missing(i)) throw awsError(s3Sdk, 'NotFound', 'NotFound', 404);
        const object = this.get(String(i.Bucket), String(i.Key))!;
        return { ETag: object.etag, ContentLength: object.body.length };
      },
      GetObject: (i) => {
        if (missing(i)) throw awsError(s3Sdk, 'NoSuchKey', 'The specified key does not exist.');
        const object = this.get(String(i.Bucket), String(i.Key))!;
        return { ETag: object.etag, Body: { transformToString: async () => object.body } };
      },
      // Conditional writes (Amazon S3 API Reference, PutObject, If-Match and If-None-Match): "If-None-Match
      // — Uploads the object only if the object key name does not already exist … Otherwise, Amazon S3
      // returns a 412 Precondition Failed error"; "If-Match — … If the ETag values do not match, the
      // operation returns a 412 Precondition Failed error". If-Match on a key that does not exist answers
      // NoSuchKey (as moto's put_object does).
      PutObject: (i) => {
        const existing = this.get(String(i.Bucket), String(i.Key));
        if (i.IfNoneMatch === '*' && existing)
          throw s3ErrorOutsideModel(
            'PreconditionFailed',
            412,
            'At least one of the pre-conditions you specified did not hold',
          );
        if (typeof i.IfMatch === 'string') {
          if (!existing) throw awsError(s3Sdk, 'NoSuchKey', 'The specified key does not exist.');
          if (existing.etag !== i.IfMatch)
            throw s3ErrorOutsideModel(
              'PreconditionFailed',
              412,
              'At least one of the pre-conditions you specified did not hold',
            );
        }
        const body = typeof i.Body === 'string' || i.Body instanceof Uint8Array ? i.Body : '';
        return { ETag: this.put(String(i.Bucket), String(i.Key), body).etag };
      },
      ListObjectsV2: (i) => {
        const prefix = `${i.Bucket}/${String(i.Prefix ?? '')}`;
        const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
        return {
          Contents: keys.map((k) => ({ Key: k.slice(String(i.Bucket).length + 1) })),
          KeyCount: keys.length,
          IsTruncated: false,
        };
      },
      PutObjectTagging: (i) => {
        if (missing(i)) throw awsError(s3Sdk, 'NoSuchKey', 'The specified key does not exist.');
        this.get(String(i.Bucket), String(i.Key))!.tags = (i.Tagging as { TagSet: Tag[] }).TagSet;
        return {};
      },
    });
  }
}

// ---------------------------------------------------------------- one stack, as the release sees it

export const STACK = {
  region: 'eu-west-1',
  environment: 'production',
  application: 'dealership',
  deploymentGroup: 'production',
  canaryDeploymentGroup: 'production-canary',
  group: 'dealership-web',
  templateId: 'lt-0123456789abcdef0',
  bucket: 'dealership-revisions',
  targetGroup: 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/0123456789abcdef',
  loadBalancer: 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/0123456789abcdef',
  baseImage: 'ami-0000000000000ba5e',
  oldImage: 'ami-0000000000000a1d0',
  /** The image the recipe was baked into already (a bake is a cache hit). */
  recipeImage: 'ami-00000000000000e30',
  /** A revision no release keeps: pruning tags it. */
  oldRevision: 'revisions/0ld.zip',
};

interface Version {
  number: number;
  data: Record<string, unknown>;
}

export interface CannedRelease {
  clock: FakeClock;
  codeDeploySim: CodeDeploySim;
  autoScalingSim: AutoScalingSim;
  bucket: CannedBucket;
  clients: ReleaseClients & { cloudWatch: CloudWatchClient };
  /** The launch template's versions and default, and the group as it is now. */
  template: { versions: Version[]; defaultVersion: number };
  group: { pinned: string; instances: Array<{ id: string; version: string; imageId: string }> };
  /** Every UpdateAutoScalingGroup the group took. */
  updates: Input[];
}

/** The stack with `instances` instances in its group (0: a stack being bootstrapped). */
export function cannedRelease(options: { instances: number }): CannedRelease {
  const clock = new FakeClock();
  const now = () => clock.now();
  const ids = ['i-0aaa1111', 'i-0bbb2222'].slice(0, options.instances);
  // The canary deployment group: the instances tagged dealership:canary=true (its Ec2TagSet).
  const canaryGroup = {
    application: STACK.application,
    group: STACK.canaryDeploymentGroup,
    instances: [] as string[],
  };
  const codeDeploySim = new CodeDeploySim(now, [
    {
      application: STACK.application,
      group: STACK.deploymentGroup,
      instances: ids,
      autoScalingGroup: STACK.group,
    },
    canaryGroup,
  ]);
  // What is live: a deployment that succeeded an hour ago (none on a stack being bootstrapped).
  if (ids.length > 0) codeDeploySim.seedDeployment(STACK.application, STACK.deploymentGroup, {}, 3600);
  const autoScalingSim = new AutoScalingSim(now, new Set([STACK.group]));
  const bucket = new CannedBucket();
  bucket.put(STACK.bucket, STACK.oldRevision, 'an old revision');

  const template = {
    versions: [{ number: 1, data: { ImageId: STACK.oldImage, InstanceType: 't3.small' } }] as Version[],
    defaultVersion: 1,
  };
  const group = {
    pinned: '1',
    instances: ids.map((id) => ({ id, version: '1', imageId: STACK.oldImage })),
  };
  const updates: Input[] = [];
  const imageOf = (version: string) =>
    template.versions.find((v) => String(v.number) === version)?.data.ImageId as string;

  const versionView = (v: Version) => ({
    LaunchTemplateId: STACK.templateId,
    LaunchTemplateName: 'dealership',
    VersionNumber: v.number,
    DefaultVersion: v.number === template.defaultVersion,
    LaunchTemplateData: structuredClone(v.data),
  });
  const templateView = () => ({
    LaunchTemplateId: STACK.templateId,
    LaunchTemplateName: 'dealership',
    DefaultVersionNumber: template.defaultVersion,
    LatestVersionNumber: template.versions.at(-1)!.number,
  });
  const ec2 = canned({
    DescribeImages: (i) => {
      const image: Image = {
        ImageId: STACK.recipeImage,
        Name: 'dealership-20260115T080000Z-0123456789ab',
        State: 'available',
        CreationDate: '2026-01-15T08:00:00.000Z',
        Tags: [{ Key: 'dealership:recipe-hash', Value: 'the recipe' }],
      };
      const filters = (i.Filters ?? []) as Array<{ Name: string }>;
      const byRecipe = filters.some((f) => f.Name === 'tag:dealership:recipe-hash');
      const byId = Array.isArray(i.ImageIds) && i.ImageIds.includes(STACK.recipeImage);
      return { Images: byRecipe || byId ? [image] : [] };
    },
    DescribeLaunchTemplates: () => ({ LaunchTemplates: [templateView()] }),
    DescribeLaunchTemplateVersions: (i) => {
      const specs = (i.Versions ?? []) as string[];
      const latest = template.versions.at(-1)!.number;
      const wanted = specs.map((s) =>
        s === '$Default' ? template.defaultVersion : s === '$Latest' ? latest : Number(s),
      );
      const found = specs.length
        ? template.versions.filter((v) => wanted.includes(v.number))
        : template.versions;
      return { LaunchTemplateVersions: found.map(versionView) };
    },
    CreateLaunchTemplateVersion: (i) => {
      const version = {
        number: template.versions.at(-1)!.number + 1,
        data: structuredClone(i.LaunchTemplateData) as Input,
      };
      template.versions.push(version);
      return { LaunchTemplateVersion: versionView(version) };
    },
    // Tags on instances (EC2 API Reference, CreateTags / DeleteTags): the canary tag moves instances
    // into and out of the canary deployment group.
    CreateTags: (i) => {
      const tagged = ((i.Tags ?? []) as Array<{ Key: string; Value?: string }>).some(
        (t) => t.Key === 'dealership:canary' && t.Value === 'true',
      );
      if (tagged)
        canaryGroup.instances = [...new Set([...canaryGroup.instances, ...(i.Resources as string[])])];
      return {};
    },
    DeleteTags: (i) => {
      const untagged = ((i.Tags ?? []) as Array<{ Key: string }>).some((t) => t.Key === 'dealership:canary');
      if (untagged)
        canaryGroup.instances = canaryGroup.instances.filter((id) => !(i.Resources as string[]).includes(id));
      return {};
    },
    ModifyLaunchTemplate: (i) => {
      template.defaultVersion = Number(i.DefaultVersion);
      return { LaunchTemplate: templateView() };
    },
    // Asked by filter, an instance EC2 does not know is simply absent (EC2 API Reference, DescribeInstances).
    DescribeInstances: (i) => {
      const filter = ((i.Filters ?? []) as Array<{ Name: string; Values: string[] }>).find(
        (f) => f.Name === 'instance-id',
      );
      const instances = group.instances.filter((x) => !filter || filter.Values.includes(x.id));
      return {
        Reservations: [{ Instances: instances.map((x) => ({ InstanceId: x.id, ImageId: x.imageId })) }],
      };
    },
  });

  /** A refresh that ended Successful has pinned the group and replaced its instances (once). */
  const applied = new Set<string>();
  const applyRefreshes = () => {
    const { InstanceRefreshes = [] } = autoScalingSim.handle('DescribeInstanceRefreshes', {
      AutoScalingGroupName: STACK.group,
    }) as {
      InstanceRefreshes?: Array<{
        InstanceRefreshId: string;
        Status: string;
        DesiredConfiguration?: { LaunchTemplate?: { Version?: string } };
        Preferences?: { CheckpointPercentages?: number[] };
      }>;
    };
    for (const refresh of InstanceRefreshes) {
      const version = refresh.DesiredConfiguration?.LaunchTemplate?.Version;
      if (refresh.Status !== 'Successful' || !version || applied.has(refresh.InstanceRefreshId)) continue;
      applied.add(refresh.InstanceRefreshId);
      group.pinned = version;
      // A last checkpoint below 100 replaces that share only (autoscaling.ts, partialRefresh).
      const partial = lastCheckpointBelow100({
        AutoScalingGroupName: STACK.group,
        Preferences: refresh.Preferences,
      });
      const stale = group.instances.filter((x) => x.imageId !== imageOf(version));
      const count =
        partial === undefined ? stale.length : Math.ceil((group.instances.length * partial) / 100);
      for (const instance of stale.slice(0, count))
        Object.assign(instance, { version, imageId: imageOf(version) });
    }
  };
  const autoScaling: SimulatedService = {
    handle(operation, input) {
      const i = input as Input;
      if (operation === 'DescribeAutoScalingGroups') {
        applyRefreshes();
        return {
          AutoScalingGroups: [
            {
              AutoScalingGroupName: STACK.group,
              DesiredCapacity: ids.length,
              MinSize: ids.length,
              MaxSize: 6,
              LaunchTemplate: { LaunchTemplateId: STACK.templateId, Version: group.pinned },
              HealthCheckType: 'EC2',
              HealthCheckGracePeriod: 300,
              TargetGroupARNs: [STACK.targetGroup],
              Instances: group.instances.map((x) => ({
                InstanceId: x.id,
                LaunchTemplate: { LaunchTemplateId: STACK.templateId, Version: x.version },
                HealthStatus: 'Healthy',
                LifecycleState: 'InService',
              })),
            },
          ],
        };
      }
      if (operation === 'UpdateAutoScalingGroup') {
        updates.push(i);
        const version = (i.LaunchTemplate as { Version?: string } | undefined)?.Version;
        if (version) group.pinned = version;
        return {};
      }
      return autoScalingSim.handle(operation, input);
    },
  };
  const elbv2 = canned({
    DescribeTargetGroups: () => ({
      TargetGroups: [
        {
          TargetGroupArn: STACK.targetGroup,
          LoadBalancerArns: [STACK.loadBalancer],
          HealthCheckIntervalSeconds: 10,
          HealthCheckTimeoutSeconds: 5,
          HealthyThresholdCount: 2,
          UnhealthyThresholdCount: 2,
        },
      ],
    }),
    DescribeTargetGroupAttributes: () => ({
      Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '20' }],
    }),
    DescribeTargetHealth: () => ({
      TargetHealthDescriptions: group.instances.map((x) => ({
        Target: { Id: x.id, Port: 3000 },
        TargetHealth: { State: 'healthy' },
      })),
    }),
  });
  const ssm = canned({ GetParameter: () => ({ Parameter: { Value: STACK.baseImage } }) });
  // Every alarm OK, the target group's figures quiet (CloudWatch API Reference, DescribeAlarms and
  // GetMetricData: one MetricDataResult per query Id).
  const cloudWatch = canned({
    DescribeAlarms: (i) => ({
      MetricAlarms: ((i.AlarmNames ?? []) as string[]).map((name) => ({ AlarmName: name, StateValue: 'OK' })),
      CompositeAlarms: [],
    }),
    GetMetricData: (i) => ({
      MetricDataResults: ((i.MetricDataQueries ?? []) as Array<{ Id: string }>).map((q) => ({
        Id: q.Id,
        StatusCode: 'Complete',
        Timestamps: [new Date(clock.now())],
        Values: [q.Id === 'latency' ? 0.05 : 0],
      })),
    }),
  });

  return {
    clock,
    codeDeploySim,
    autoScalingSim,
    bucket,
    template,
    group,
    updates,
    clients: {
      ec2: simulatedClient(EC2Client, ec2),
      ssm: simulatedClient(SSMClient, ssm),
      s3: simulatedClient(S3Client, bucket.service()),
      autoScaling: simulatedClient(AutoScalingClient, autoScaling),
      codeDeploy: simulatedClient(CodeDeployClient, codeDeploySim),
      elbv2: simulatedClient(ElasticLoadBalancingV2Client, elbv2),
      cloudWatch: simulatedClient(CloudWatchClient, cloudWatch),
    },
  };
}
