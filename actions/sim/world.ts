/**
 * One AWS account for sequences of runs: moto holds what it models faithfully (EC2 launch templates,
 * images and instances, the Auto Scaling group's capacity and pinned version, target groups, S3),
 * the simulations hold what moto does not (CodeDeploy deployments that progress, instance refreshes),
 * and this world joins them the way AWS does and adds what only the instances know — which revision
 * each one serves, and whether it passes the load balancer's health check — behind a stand-in for the
 * ALB on 127.0.0.1. After every sleep of its clock it settles what time has done (`settle()`):
 *
 * - a builder instance powers itself off (the provision script ends with `poweroff`, bake-ami's protocol);
 * - an instance refresh that reached a final status changes the group: Successful pins the group to the
 *   desired version and replaces every instance that does not match it ("Once the instance refresh
 *   succeeds, Amazon EC2 Auto Scaling updates the settings of the Auto Scaling group to reflect the new
 *   desired configuration" — StartInstanceRefresh, DesiredConfiguration; SkipMatching); Cancelled, Failed
 *   and RollbackFailed leave the group's settings and the instances already replaced as they are ("When
 *   you cancel an instance refresh, this does not roll back any changes that it made" —
 *   CancelInstanceRefresh); RollbackSuccessful restores what was there (RollbackInstanceRefresh);
 * - an instance serves the revision of the last deployment whose Install step succeeded on it, and an
 *   instance the group launches gets the deployment group's last successful revision (CodeDeploy with
 *   Auto Scaling: new instances receive the last successful revision; none before the first);
 * - under ELB health checks, an instance that fails the target group's check after the grace period is
 *   replaced (Auto Scaling health checks, "Elastic Load Balancing health checks"): with no good revision
 *   anywhere, that loops.
 *
 * - every minute the load balancer publishes the target group's figures to CloudWatch (moto stores them;
 *   GetMetricData reads them back) and CloudWatch evaluates the stack's alarms on them (see #publishMinute);
 * - the canary deployment group targets the instances tagged `dealership:canary=true` of the group (its
 *   Ec2TagSet), kept in step whenever tags or instances change.
 *
 * Instances are replaced through moto's own TerminateInstanceInAutoScalingGroup (without decrementing
 * the capacity), so moto launches the replacement from the group's pinned launch template version.
 * moto's limitations it works around: DescribeAutoScalingGroups reports every instance's launch
 * template version as the template's *default* (moto/autoscaling/models.py, InstanceState), so the
 * world and the release compare images (EC2 DescribeInstances, which moto gets right).
 */
import { createServer, type Server } from 'node:http';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient, type DeploymentInfo } from '@aws-sdk/client-codedeploy';
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  ModifyLaunchTemplateCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { readZip } from '@dealership/revision';
import type { MotoServer } from '@dealership/test-kit';
import { listenOnLoopback } from '@dealership/test-kit';
import type { MetadataBearer, MiddlewareStack } from '@smithy/types';
import type { Clock } from '../lib/poll.js';
import type { ReleaseClients } from '../release/src/converge.js';
import { AutoScalingSim, lastCheckpointBelow100 } from './autoscaling.js';
import { metadata } from './calls.js';
import type { FakeClock } from './clock.js';
import { CodeDeploySim, type SimGroup } from './codedeploy.js';
import { simulatedClient } from './plug.js';

interface AnyClient {
  // biome-ignore lint/suspicious/noExplicitAny: every SDK client's stack has its own input/output unions
  middlewareStack: MiddlewareStack<any, any>;
}

type Handler = (input: Record<string, unknown>) => object | Promise<object>;

/**
 * Serves the named operations of a real SDK client (pointed at moto) from `handlers`, and lets every
 * other operation through to moto. Like plugSimulation it sits at the end of the finalize step, so
 * serialization, retries and signing run for real.
 */
export function plugOperations(client: AnyClient, handlers: () => Record<string, Handler | undefined>): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName ?? '').replace(/Command$/, '');
      const handler = handlers()[operation];
      if (!handler) return next(args);
      const output = await handler(((args as { input?: unknown }).input ?? {}) as Record<string, unknown>);
      const result: MetadataBearer = { ...structuredClone(output), $metadata: metadata() };
      return { output: result, response: { statusCode: 200, headers: {} } };
    },
    { step: 'finalizeRequest', priority: 'low', name: 'releaseWorld', override: true },
  );
}

export interface WorldOptions {
  moto: MotoServer;
  clock: FakeClock;
  instances: number;
  healthCheckType?: 'EC2' | 'ELB';
  group?: string;
  application?: string;
  deploymentGroup?: string;
  bucket?: string;
  /** The stock image the launch template starts on; looked up in moto when not given (moto loads its AMI catalogue on first use: seconds). */
  stockImageId?: string;
}

export interface InstanceView {
  id: string;
  imageId?: string;
  revision?: string;
  commit?: string;
  healthy: boolean;
}

interface Known {
  revision?: string;
  launchedAt: number;
}

const GRACE_SECONDS = 300;

/** An image of moto's catalogue to start from (what a stock Amazon Linux AMI is to the real stack). */
export async function stockImage(ec2: EC2Client): Promise<string> {
  const images = await ec2.send(new DescribeImagesCommand({}));
  return images.Images!.map((i) => i.ImageId!).find((id) => /^ami-[0-9a-f]{8,17}$/.test(id))!;
}

export class World {
  readonly group: string;
  readonly application: string;
  readonly deploymentGroup: string;
  readonly bucket: string;
  readonly codeDeploySim: CodeDeploySim;
  readonly autoScalingSim: AutoScalingSim;
  readonly simGroup: SimGroup;
  /** The canary deployment group: the group's instances tagged dealership:canary=true. */
  readonly canaryGroup: SimGroup;
  /** Commits whose instances answer every request 5xx (a canary that breaks). */
  readonly erroringCommits = new Set<string>();
  /** The stack's alarms (as deploy/infra/template.yml makes them): target 5xx and response time. */
  readonly alarms: string[];
  /** Commits whose instances fail the load balancer's health check (listening where the ALB cannot reach, say). */
  readonly unhealthyCommits = new Set<string>();
  /** The next builders terminate instead of powering off (a provision script that fails). */
  failBuilders = false;
  /** Armed faults: the next call of an operation throws this error (once). */
  readonly faults = new Map<string, Error>();
  readonly clock: Clock;
  readonly clients: ReleaseClients & { cloudWatch: CloudWatchClient };
  url = '';
  loadBalancerArn = '';
  /** The last minute whose figures the load balancer published (clock ms). */
  #published = 0;
  stockImageId = '';
  launchTemplateId = '';
  targetGroupArn = '';
  #known = new Map<string, Known>();
  #applied = new Set<string>();
  /** Deployments whose final state has been applied to the instances. */
  #installed = new Set<string>();
  /** A builder may be running (bake-ami called RunInstances). */
  #builders = false;
  /** The instances as last looked at; dropped whenever time passes or the group changes. */
  #views?: InstanceView[];
  #commits = new Map<string, string>();
  #server?: Server;
  #next = 0;
  #healthCheckType: 'EC2' | 'ELB';
  #moto: MotoServer;
  /** The fake clock itself (a test schedules the runner's cancel on it). */
  readonly fake: FakeClock;

  constructor(private readonly options: WorldOptions) {
    this.#moto = options.moto;
    this.fake = options.clock;
    this.group = options.group ?? 'dealership-web';
    this.application = options.application ?? 'dealership';
    this.deploymentGroup = options.deploymentGroup ?? 'production';
    this.bucket = options.bucket ?? 'dealership-revisions';
    this.#healthCheckType = options.healthCheckType ?? 'EC2';
    const now = () => options.clock.now();
    this.simGroup = {
      application: this.application,
      group: this.deploymentGroup,
      instances: [],
      autoScalingGroup: this.group,
    };
    this.canaryGroup = {
      application: this.application,
      group: `${this.deploymentGroup}-canary`,
      instances: [],
    };
    this.alarms = [`${this.group}-target-5xx`, `${this.group}-response-time`];
    this.codeDeploySim = new CodeDeploySim(now, [this.simGroup, this.canaryGroup]);
    this.autoScalingSim = new AutoScalingSim(now, new Set([this.group]));
    const fake = options.clock;
    this.clock = {
      now,
      sleep: async (ms, signal) => {
        await fake.sleep(ms, signal);
        await this.settle();
      },
    };
    const config = { ...options.moto.clientConfig };
    const ec2 = new EC2Client(config);
    const autoScaling = new AutoScalingClient(config);
    const elbv2 = new ElasticLoadBalancingV2Client(config);
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const refreshes: Record<string, Handler> = Object.fromEntries(
      [
        'StartInstanceRefresh',
        'DescribeInstanceRefreshes',
        'CancelInstanceRefresh',
        'RollbackInstanceRefresh',
      ].map((op) => [op, (input: Record<string, unknown>) => this.autoScalingSim.handle(op, input)]),
    );
    plugOperations(autoScaling, () => ({ ...refreshes, ...this.#faultHandlers() }));
    plugOperations(ec2, () => this.#faultHandlers());
    ec2.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'RunInstancesCommand') this.#builders = true;
        return next(args);
      },
      { step: 'initialize', name: 'releaseWorldBuilders' },
    );
    ec2.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'CreateTagsCommand' || context.commandName === 'DeleteTagsCommand')
          await this.#syncCanary();
        return result;
      },
      { step: 'initialize', name: 'releaseWorldCanaryTags' },
    );
    plugOperations(s3, () => this.#faultHandlers());
    plugOperations(elbv2, () => ({
      DescribeTargetHealth: () => this.#targetHealth(),
      ...this.#faultHandlers(),
    }));
    const codeDeploy = simulatedClient(CodeDeployClient, {
      handle: (operation, input) => {
        const fault = this.#takeFault(operation);
        if (fault) throw fault;
        return this.codeDeploySim.handle(operation, input);
      },
    });
    const cloudWatch = new CloudWatchClient(config);
    plugOperations(cloudWatch, () => this.#faultHandlers());
    // What the ALB published reaches CloudWatch before anybody reads alarms or figures.
    cloudWatch.middlewareStack.add(
      (next, context) => async (args) => {
        if (
          ['DescribeAlarmsCommand', 'GetMetricDataCommand'].includes(String(context.commandName)) &&
          !this.#flushing
        ) {
          this.#flushing = true;
          try {
            await this.#flushFigures();
          } finally {
            this.#flushing = false;
          }
        }
        return next(args);
      },
      { step: 'initialize', name: 'releaseWorldFigures' },
    );
    this.clients = { ec2, ssm: new SSMClient(config), s3, autoScaling, codeDeploy, elbv2, cloudWatch };
  }

  #takeFault(operation: string): Error | undefined {
    const fault = this.faults.get(operation);
    if (fault) this.faults.delete(operation);
    return fault;
  }

  #faultHandlers(): Record<string, Handler> {
    return Object.fromEntries(
      [...this.faults.keys()].map((op) => [
        op,
        () => {
          throw this.#takeFault(op)!;
        },
      ]),
    );
  }

  /** Creates the account's starting point: a launch template on a stock image, the group, the target group, the bucket. */
  async create(): Promise<void> {
    const { ec2, autoScaling, elbv2, s3 } = this.clients;
    this.stockImageId = this.options.stockImageId ?? (await stockImage(ec2));
    const subnets = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets!;
    const subnet = subnets[0]!;
    const template = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: `${this.group}-service`,
        LaunchTemplateData: { ImageId: this.stockImageId, InstanceType: 't3.small' },
      }),
    );
    this.launchTemplateId = template.LaunchTemplate!.LaunchTemplateId!;
    const tg = await elbv2.send(
      new CreateTargetGroupCommand({
        Name: `${this.group}-tg`,
        Protocol: 'HTTP',
        Port: 3000,
        VpcId: subnet.VpcId,
        HealthCheckPath: '/health/ready',
        HealthCheckIntervalSeconds: 10,
        HealthCheckTimeoutSeconds: 5,
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 2,
      }),
    );
    this.targetGroupArn = tg.TargetGroups![0]!.TargetGroupArn!;
    // The ALB in front (two subnets of other zones, as ELB requires), forwarding to the target group: the
    // target group's LoadBalancerArns name it, and its figures carry both dimensions.
    const lb = await elbv2.send(
      new CreateLoadBalancerCommand({
        Name: `${this.group}-alb`.slice(0, 32),
        Subnets: [...new Map(subnets.map((s) => [s.AvailabilityZone, s.SubnetId!])).values()].slice(0, 2),
      }),
    );
    this.loadBalancerArn = lb.LoadBalancers![0]!.LoadBalancerArn!;
    await elbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: this.loadBalancerArn,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: this.targetGroupArn }],
      }),
    );
    await this.#createAlarms();
    this.#published = Math.floor(this.fake.now() / 60_000) * 60_000;
    this.#flushed = this.#published;
    await elbv2.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: this.targetGroupArn,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '20' }],
      }),
    );
    await autoScaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: this.group,
        LaunchTemplate: { LaunchTemplateId: this.launchTemplateId, Version: '1' },
        MinSize: this.options.instances,
        MaxSize: 6,
        DesiredCapacity: this.options.instances,
        VPCZoneIdentifier: subnet.SubnetId,
        TargetGroupARNs: [this.targetGroupArn],
        HealthCheckType: this.#healthCheckType,
        HealthCheckGracePeriod: GRACE_SECONDS,
      }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: this.bucket }));
    await this.#syncInstances();
    const server = createServer((req, res) => void this.#answer(req.url ?? '/', res));
    const port = await listenOnLoopback(server);
    this.#server = server;
    this.url = `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    for (const client of Object.values(this.clients)) client.destroy();
    if (this.#server) await new Promise<void>((resolve) => this.#server!.close(() => resolve()));
  }

  /** The stack operator's own calls (a stack update: capacity, health check type). */
  async updateGroup(change: {
    min?: number;
    desired?: number;
    healthCheckType?: 'EC2' | 'ELB';
    version?: string;
  }) {
    if (change.healthCheckType) this.#healthCheckType = change.healthCheckType;
    this.#views = undefined;
    await this.clients.autoScaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: this.group,
        MinSize: change.min,
        DesiredCapacity: change.desired,
        HealthCheckType: change.healthCheckType,
        ...(change.version
          ? { LaunchTemplate: { LaunchTemplateId: this.launchTemplateId, Version: change.version } }
          : {}),
      }),
    );
    await this.#syncInstances();
  }

  /**
   * A stack update that changes `ImageId` (and maybe MinSize / HealthCheckType), as CloudFormation
   * applies it: the launch template resource gets a new version from its template data with the new
   * image, made the default, and the group is pinned to it (its `Version` is the template's
   * LatestVersionNumber) with the new capacity settings.
   */
  async stackUpdate(change: { imageId: string; min?: number; healthCheckType?: 'EC2' | 'ELB' }) {
    const { ec2 } = this.clients;
    const created = await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: this.launchTemplateId,
        SourceVersion: '1',
        LaunchTemplateData: { ImageId: change.imageId, InstanceType: 't3.small' },
      }),
    );
    const version = String(created.LaunchTemplateVersion!.VersionNumber);
    await ec2.send(
      new ModifyLaunchTemplateCommand({ LaunchTemplateId: this.launchTemplateId, DefaultVersion: version }),
    );
    const group = await this.#describeGroup();
    const min = change.min ?? group.MinSize ?? 0;
    await this.updateGroup({
      min,
      desired: Math.max(min, group.DesiredCapacity ?? 0),
      healthCheckType: change.healthCheckType,
      version,
    });
    return version;
  }

  // ---------------------------------------------------------------- what time does

  async settle(): Promise<void> {
    this.#views = undefined;
    if (this.#builders) await this.#powerOffBuilders();
    await this.#applyRefreshes();
    await this.#installRevisions();
    await this.#replaceUnhealthy();
    await this.#noteFigures();
  }

  async #powerOffBuilders() {
    const { Reservations = [] } = await this.clients.ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'tag:dealership:role', Values: ['builder'] },
          { Name: 'instance-state-name', Values: ['running'] },
        ],
      }),
    );
    const ids = Reservations.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId!);
    this.#builders = ids.length > 0;
    if (ids.length === 0) return;
    if (this.failBuilders) await this.clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
    else await this.clients.ec2.send(new StopInstancesCommand({ InstanceIds: ids }));
  }

  async #applyRefreshes() {
    for (const refresh of this.autoScalingSim.refreshes) {
      if (this.#applied.has(refresh.id)) continue;
      const view = this.autoScalingSim.view(refresh);
      const status = view.Status ?? '';
      if (!['Successful', 'Cancelled', 'Failed', 'RollbackFailed', 'RollbackSuccessful'].includes(status))
        continue;
      this.#applied.add(refresh.id);
      const version = refresh.input.DesiredConfiguration?.LaunchTemplate?.Version;
      if (!version || status === 'RollbackSuccessful') continue;
      const wanted = await this.#imageOf(version);
      const group = await this.#describeGroup();
      const pinned = group.LaunchTemplate?.Version ?? '$Default';
      const instances = await this.#instanceImages((group.Instances ?? []).map((i) => i.InstanceId!));
      const stale = [...instances].filter(([, image]) => image !== wanted).map(([id]) => id);
      // A refresh whose last checkpoint is below 100 ends Successful having replaced that share ("the
      // minimum percentage of instances in the Auto Scaling group that must be new instances before the
      // checkpoint is considered reached" — User Guide, "Add checkpoints to an instance refresh").
      const partial = lastCheckpointBelow100(refresh.input);
      const count =
        status === 'Successful'
          ? partial === undefined
            ? stale.length
            : Math.min(stale.length, Math.ceil((instances.size * partial) / 100))
          : Math.floor((stale.length * (view.PercentageComplete ?? 0)) / 100);
      // Replacements launch from the desired version; afterwards the group keeps it only on success.
      await this.clients.autoScaling.send(
        new UpdateAutoScalingGroupCommand({
          AutoScalingGroupName: this.group,
          LaunchTemplate: { LaunchTemplateId: this.launchTemplateId, Version: version },
        }),
      );
      await this.#replace(stale.slice(0, count));
      if (status !== 'Successful') {
        await this.clients.autoScaling.send(
          new UpdateAutoScalingGroupCommand({
            AutoScalingGroupName: this.group,
            LaunchTemplate: { LaunchTemplateId: this.launchTemplateId, Version: pinned },
          }),
        );
      }
    }
  }

  async #replace(ids: string[]) {
    for (const id of ids) {
      await this.clients.autoScaling.send(
        new TerminateInstanceInAutoScalingGroupCommand({
          InstanceId: id,
          ShouldDecrementDesiredCapacity: false,
        }),
      );
      this.#known.delete(id);
    }
    this.#views = undefined;
    await this.#syncInstances();
  }

  async #installRevisions() {
    const now = this.fake.now();
    const ordered = [...this.codeDeploySim.deployments].sort((a, b) => a.createdAt - b.createdAt);
    for (const d of ordered) {
      if (d.createdAt > now || d.instances.length === 0 || this.#installed.has(d.id)) continue;
      if (this.codeDeploySim.info(d).completeTime) this.#installed.add(d.id);
      const live = d.instances.filter((id) => this.#known.has(id));
      if (live.length === 0) continue;
      const { deploymentTargets = [] } = this.codeDeploySim.handle('BatchGetDeploymentTargets', {
        deploymentId: d.id,
        targetIds: live,
      }) as {
        deploymentTargets?: {
          instanceTarget?: {
            targetId?: string;
            lifecycleEvents?: { lifecycleEventName?: string; status?: string }[];
          };
        }[];
      };
      const s3 = d.input.revision?.s3Location;
      const revision = s3 ? `s3://${s3.bucket}/${s3.key}` : undefined;
      for (const t of deploymentTargets) {
        const installed = t.instanceTarget?.lifecycleEvents?.some(
          (e) => e.lifecycleEventName === 'Install' && e.status === 'Succeeded',
        );
        const known = this.#known.get(t.instanceTarget?.targetId ?? '');
        if (installed && known && known.launchedAt <= d.createdAt) known.revision = revision;
      }
    }
  }

  async #replaceUnhealthy() {
    if (this.#healthCheckType !== 'ELB') return;
    const now = this.fake.now();
    const views = await this.instances();
    const failing = views.filter(
      (v) => !v.healthy && now - (this.#known.get(v.id)?.launchedAt ?? now) >= GRACE_SECONDS * 1000,
    );
    if (failing.length > 0) await this.#replace(failing.map((v) => v.id));
  }

  /** Keeps the CodeDeploy group's instances and the world's knowledge in step with moto's group. */
  async #syncInstances() {
    const group = await this.#describeGroup();
    const ids = (group.Instances ?? []).map((i) => i.InstanceId!);
    for (const id of ids) {
      if (!this.#known.has(id))
        this.#known.set(id, { launchedAt: this.fake.now(), revision: this.#lastSuccessful()?.revision });
    }
    for (const id of this.#known.keys()) if (!ids.includes(id)) this.#known.delete(id);
    // A new array: deployments already created keep the instances they started with.
    this.simGroup.instances = [...ids];
    this.#views = undefined;
    await this.#syncCanary();
  }

  /**
   * The canary deployment group's instances: "For an instance to be included in the deployment group, it
   * must be identified by all of the tag groups" (CodeDeploy API Reference, EC2TagSet) — here
   * dealership:canary=true and aws:autoscaling:groupName=<group>, the tag Auto Scaling puts on its instances.
   */
  async #syncCanary() {
    const { Reservations = [] } = await this.clients.ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'tag:dealership:canary', Values: ['true'] },
          { Name: 'tag:aws:autoscaling:groupName', Values: [this.group] },
          { Name: 'instance-state-name', Values: ['pending', 'running'] },
        ],
      }),
    );
    this.canaryGroup.instances = Reservations.flatMap((r) => r.Instances ?? [])
      .map((i) => i.InstanceId!)
      .filter((id) => this.#known.has(id))
      .sort();
  }

  /** The instances tagged as the canary (what the canary deployment group deploys to). */
  get canaryInstances(): string[] {
    return [...this.canaryGroup.instances];
  }

  // ---------------------------------------------------------------- CloudWatch

  /** The stack's alarms on the target group's figures (deploy/infra/template.yml: TargetErrorsAlarm, ResponseTimeAlarm). */
  async #createAlarms() {
    const dimensions = this.#dimensions();
    const common = {
      Namespace: 'AWS/ApplicationELB',
      Dimensions: dimensions,
      Period: 60,
      TreatMissingData: 'notBreaching',
    } as const;
    await this.clients.cloudWatch.send(
      new PutMetricAlarmCommand({
        ...common,
        AlarmName: this.alarms[0],
        MetricName: 'HTTPCode_Target_5XX_Count',
        Statistic: 'Sum',
        EvaluationPeriods: 2,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    );
    await this.clients.cloudWatch.send(
      new PutMetricAlarmCommand({
        ...common,
        AlarmName: this.alarms[1],
        MetricName: 'TargetResponseTime',
        ExtendedStatistic: 'p95',
        Unit: 'Seconds',
        EvaluationPeriods: 3,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
  }

  /**
   * The dimensions the ALB publishes per target group: LoadBalancer (`app/<name>/<id>`, the ARN after
   * `loadbalancer/`) and TargetGroup (`targetgroup/<name>/<id>`) — CloudWatch metrics for your Application
   * Load Balancer, "Metric dimensions".
   */
  #dimensions() {
    return [
      { Name: 'LoadBalancer', Value: this.loadBalancerArn.split(':loadbalancer/')[1]! },
      { Name: 'TargetGroup', Value: this.targetGroupArn.split(':').at(-1)! },
    ];
  }

  /** Requests each healthy instance serves a minute (the world's traffic). */
  static readonly REQUESTS_PER_MINUTE = 20;

  /**
   * Notes each whole minute that passed since the last: "Elastic Load Balancing reports metrics to
   * CloudWatch only when requests are flowing through the load balancer ... every 60 seconds" (User Guide
   * for Application Load Balancers, CloudWatch metrics). HTTPCode_Target_5XX_Count is the 5xx the
   * instances of an erroring commit answer; TargetResponseTime is 50 ms (2 s on an erroring instance).
   * The minutes reach moto's CloudWatch when somebody reads it (#flushFigures), so a world nobody
   * watches pays nothing for them (the other scenarios' timing stays as it was).
   */
  async #noteFigures() {
    const minute = Math.floor(this.fake.now() / 60_000) * 60_000;
    if (minute <= this.#published) return;
    let errors = 0;
    let latency = 0.05;
    if (this.erroringCommits.size > 0) {
      const views = await this.instances();
      const erroring = views.filter((v) => v.healthy && this.erroringCommits.has(v.commit ?? '')).length;
      const serving = views.filter((v) => v.healthy).length;
      errors = erroring * World.REQUESTS_PER_MINUTE;
      latency = serving === 0 ? 0 : (erroring * 2 + (serving - erroring) * 0.05) / serving;
    }
    // At most the last 10 minutes: a clock that jumped hours has no traffic figures worth keeping.
    const from = Math.max(this.#published + 60_000, minute - 9 * 60_000);
    for (let t = from; t <= minute; t += 60_000) this.#minutes.push({ at: t, errors, latency });
    this.#minutes.splice(0, Math.max(0, this.#minutes.length - 10));
    this.#published = minute;
  }

  /** Puts the minutes noted since the last read into moto's CloudWatch, then evaluates the alarms. */
  async #flushFigures() {
    const fresh = this.#minutes.filter((m) => m.at > this.#flushed);
    if (fresh.length === 0) return;
    this.#flushed = fresh.at(-1)!.at;
    await this.clients.cloudWatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/ApplicationELB',
        MetricData: fresh.flatMap((m) => [
          {
            MetricName: 'HTTPCode_Target_5XX_Count',
            Dimensions: this.#dimensions(),
            Timestamp: new Date(m.at),
            Value: m.errors,
            Unit: 'Count' as const,
          },
          {
            MetricName: 'TargetResponseTime',
            Dimensions: this.#dimensions(),
            Timestamp: new Date(m.at),
            Value: m.latency,
            Unit: 'Seconds' as const,
          },
        ]),
      }),
    );
    await this.#evaluateAlarms();
  }

  #minutes: { at: number; errors: number; latency: number }[] = [];
  #flushed = 0;
  #flushing = false;

  /**
   * CloudWatch evaluates the alarms on the minutes: ALARM when the last EvaluationPeriods datapoints all
   * breach ("Evaluation periods ... Datapoints to alarm", defaulting to the evaluation periods —
   * CloudWatch User Guide, "Evaluating an alarm"), else OK (missing data not breaching).
   */
  async #evaluateAlarms() {
    const { MetricAlarms = [] } = await this.clients.cloudWatch.send(
      new DescribeAlarmsCommand({ AlarmNames: this.alarms }),
    );
    for (const alarm of MetricAlarms) {
      const periods = alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods ?? 1;
      const recent = this.#minutes.slice(-periods);
      const value = (m: { errors: number; latency: number }) =>
        alarm.MetricName === 'TargetResponseTime' ? m.latency : m.errors;
      const breaches = (v: number) =>
        alarm.ComparisonOperator === 'GreaterThanThreshold' ? v > alarm.Threshold! : v >= alarm.Threshold!;
      const state = recent.length === periods && recent.every((m) => breaches(value(m))) ? 'ALARM' : 'OK';
      if (state === alarm.StateValue) continue;
      await this.clients.cloudWatch.send(
        new SetAlarmStateCommand({
          AlarmName: alarm.AlarmName,
          StateValue: state,
          StateReason:
            state === 'ALARM'
              ? `Threshold Crossed: ${periods} datapoint(s) ${alarm.ComparisonOperator} ${alarm.Threshold}`
              : 'Threshold no longer crossed',
        }),
      );
    }
  }

  // ---------------------------------------------------------------- what AWS answers

  #lastSuccessful(): { info: DeploymentInfo; revision?: string } | undefined {
    return this.codeDeploySim.lastSuccessful(this.application, this.deploymentGroup);
  }

  async #targetHealth() {
    const views = await this.instances();
    return {
      TargetHealthDescriptions: views.map((v) => ({
        Target: { Id: v.id, Port: 3000 },
        HealthCheckPort: '3000',
        TargetHealth: v.healthy
          ? { State: 'healthy' }
          : { State: 'unhealthy', Reason: 'Target.FailedHealthChecks', Description: 'Health checks failed' },
      })),
    };
  }

  async #answer(url: string, res: import('node:http').ServerResponse) {
    const healthy = (await this.instances()).filter((v) => v.healthy);
    if (healthy.length === 0) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('503 Service Temporarily Unavailable');
      return;
    }
    const instance = healthy[this.#next++ % healthy.length]!;
    if (url === '/health/ready')
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready"}');
    else if (url === '/version')
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ commit: instance.commit }));
    else res.writeHead(404).end();
  }

  // ---------------------------------------------------------------- what a test asserts

  async #describeGroup() {
    const { AutoScalingGroups = [] } = await this.clients.autoScaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [this.group] }),
    );
    return AutoScalingGroups[0]!;
  }

  async #instanceImages(ids: string[]): Promise<Map<string, string>> {
    const images = new Map<string, string>();
    if (ids.length === 0) return images;
    const { Reservations = [] } = await this.clients.ec2.send(
      new DescribeInstancesCommand({ InstanceIds: ids }),
    );
    for (const r of Reservations) for (const i of r.Instances ?? []) images.set(i.InstanceId!, i.ImageId!);
    return images;
  }

  async #imageOf(version: string): Promise<string | undefined> {
    const { LaunchTemplateVersions = [] } = await this.clients.ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: this.launchTemplateId,
        Versions: [version],
      }),
    );
    return LaunchTemplateVersions[0]?.LaunchTemplateData?.ImageId;
  }

  async commitOf(revision: string | undefined): Promise<string | undefined> {
    if (!revision) return undefined;
    const cached = this.#commits.get(revision);
    if (cached) return cached;
    const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(revision)!;
    const object = await this.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const zip = Buffer.from(await object.Body!.transformToByteArray());
    const file = readZip(zip, revision).find((entry) => entry.path === 'REVISION');
    const commit = file?.read().toString('utf8').split('\n')[0]?.trim();
    if (commit) this.#commits.set(revision, commit);
    return commit;
  }

  /** Every instance of the group: its image, the revision and commit it serves, its health behind the ALB. */
  async instances(): Promise<InstanceView[]> {
    if (this.#views) return this.#views;
    const group = await this.#describeGroup();
    const ids = (group.Instances ?? []).map((i) => i.InstanceId!);
    const images = await this.#instanceImages(ids);
    const views: InstanceView[] = [];
    for (const id of ids) {
      const revision = this.#known.get(id)?.revision;
      const commit = await this.commitOf(revision);
      views.push({
        id,
        imageId: images.get(id),
        revision,
        commit,
        healthy: commit !== undefined && !this.unhealthyCommits.has(commit),
      });
    }
    this.#views = views;
    return views;
  }

  /** The state a scenario asserts after each run. */
  async state() {
    const group = await this.#describeGroup();
    const { LaunchTemplates = [] } = await this.clients.ec2.send(
      new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [this.launchTemplateId] }),
    );
    const instances = await this.instances();
    return {
      pinnedVersion: group.LaunchTemplate?.Version,
      defaultVersion: LaunchTemplates[0]?.DefaultVersionNumber,
      latestVersion: LaunchTemplates[0]?.LatestVersionNumber,
      images: [...new Set(instances.map((i) => i.imageId))].sort(),
      commits: [...new Set(instances.map((i) => i.commit ?? 'none'))].sort(),
      instances,
      lastSuccessfulRevision: this.#lastSuccessful()?.revision,
    };
  }
}
