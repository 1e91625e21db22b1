/**
 * A release that stops at a canary, watched, and goes on only after a person approves.
 *
 * The image path. AWS resumes an instance refresh by itself once a checkpoint's CheckpointDelay has
 * passed ("When the specified period of time has passed, the instance refresh continues until it reaches
 * the next checkpoint (if applicable)" — Amazon EC2 Auto Scaling User Guide, "Enable checkpoints"), and no
 * API resumes one early or holds it longer (the refresh operations are Start, Describe, Cancel and
 * Rollback — API Reference). So a checkpoint never guards the canary here: the first refresh's only
 * checkpoint is the canary's share and it is the last one, below 100 — "the last value shown in the
 * CheckpointPercentages array describes the percentage of the Auto Scaling group that needs to be
 * successfully replaced. After this percentage is successfully replaced ... the operation transitions to
 * Successful" (same page; "To replace all instances in the Auto Scaling group, the last number in the
 * array must be 100", API Reference, RefreshPreferences). That refresh keeps the stack's alarms and
 * AutoRollback; when it succeeds AWS pins the group to the new version ("Once the instance refresh
 * succeeds, Amazon EC2 Auto Scaling updates the settings of the Auto Scaling group to reflect the new
 * desired configuration" — StartInstanceRefresh, DesiredConfiguration). Nothing more happens in AWS until
 * this code says so: promotion is a second refresh of the rest (SkipMatching), a rollback is the
 * release's own converge back to the last good release.
 *
 * The app path. CodeDeploy's in-place EC2 deployments have no canary configuration (canary and linear
 * configurations are for Lambda and ECS; EC2/on-premises configurations are minimum-healthy-hosts ones —
 * CodeDeploy User Guide, "Working with deployment configurations"). So the stack has a second deployment
 * group (CanaryDeploymentGroup) whose Ec2TagSet selects the group's instances tagged
 * `dealership:canary=true`: the release tags the canary instances (the refresh's new ones, or a share
 * of the group when only the revision changes), deploys the revision to that group, and on promotion
 * deploys it to the main group (every instance, OneAtATime) and removes the tags. The canary group is not
 * associated with the Auto Scaling group, so instances the group launches keep receiving the main group's
 * last successful revision — the live one until promotion.
 *
 * Both paths are watched the same way during the bake (a look a minute): the stack's alarms
 * (CloudWatch DescribeAlarms), the canary instances' health in the target group (ELB
 * DescribeTargetHealth), and the target group's 5xx answers and response time (CloudWatch
 * GetMetricData); an alarm in ALARM or an unhealthy canary ends the bake and the release rolls back.
 * The deploy job then ends with outcome `canary`; `promote` (the production-canary job, behind required
 * reviewers) and `watch` (which rolls back when the approval deadline passes or an alarm fires while
 * waiting) and `abort` (a refused approval, a cancelled run) take it from there.
 */
import {
  type CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { CreateTagsCommand, DeleteTagsCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { loadBundle } from '../../codedeploy-deploy/src/bundle.js';
import { deploy, newOutcome as newDeployOutcome } from '../../codedeploy-deploy/src/deploy.js';
import { describeError, done, markdownTable, pending, poll } from '../../lib/index.js';
import {
  appInputs,
  type CanarySettings,
  type ConvergeOptions,
  converge,
  type ReleaseDeps,
  type StackConfig,
  type StageRunner,
  type Target,
} from './converge.js';
import type { CanaryRecord, HealthLook, Release } from './record.js';
import { RecordConflictError } from './record-write.js';
import { readGroup, readLastDeployment, targetStates } from './state.js';
import { Skip } from './timeline.js';

/** The tag the canary deployment group selects instances by (with aws:autoscaling:groupName). */
export const CANARY_TAG = { Key: 'dealership:canary', Value: 'true' } as const;

/** A look a minute during the bake: the ALB's figures are per minute too. */
export const LOOK_MS = 60_000;

/** The canary is not good: an alarm, an unhealthy canary instance, a late approval. */
export class CanaryVerdictError extends Error {
  override name = 'CanaryVerdictError';
}

function cloudWatchOf(deps: ReleaseDeps): CloudWatchClient {
  if (!deps.cloudWatch)
    throw new Error('the canary needs a CloudWatch client (DescribeAlarms, GetMetricData)');
  return deps.cloudWatch;
}

/** How many instances a share of the group is: at least one, and never the whole group. */
export function canaryCount(instances: number, percentage: number): number {
  return Math.max(1, Math.min(instances - 1, Math.ceil((instances * percentage) / 100)));
}

/**
 * The deploy's first phase: the image to a share of the group (a refresh that ends there), the revision
 * to those instances (the canary deployment group), then the bake. Returns true with `release.outcome`
 * = `canary` and `release.canary.state` = `waiting`; false when the release changes neither image nor
 * revision (nothing to expose: the caller finishes it as a whole-fleet release); throws (the caller
 * rolls back) when the canary is bad.
 */
export async function stopAtCanary(
  deps: ReleaseDeps,
  config: StackConfig,
  settings: CanarySettings,
  stages: StageRunner,
  target: Target,
  options: ConvergeOptions,
  release: Release,
  save: () => Promise<void>,
): Promise<boolean> {
  const revision = target.bundle
    ? `s3://${config.bucket}/${config.revisionPrefix}/${(await loadBundle(target.bundle)).sha256}.zip`
    : target.revision;
  release.revision = revision;
  await converge(
    deps,
    config,
    stages,
    target,
    { ...options, canaryPercentage: settings.percentage },
    release,
  );
  const refreshed = release.stages.some((s) => s.name === 'refresh' && s.outcome === 'succeeded');

  const canary: CanaryRecord = {
    percentage: settings.percentage,
    deploymentGroup: settings.deploymentGroup,
    instances: [],
    image: refreshed,
    app: false,
    state: 'baking',
    bakeUntil: new Date(deps.clock.now() + settings.bakeMs).toISOString(),
    looks: [],
  };
  release.canary = canary;

  await stages.run('canary instances', async () => {
    const group = await readGroup(deps.autoScaling, deps.ec2, config.autoScalingGroup, deps.signal);
    const ids = group.instances.map((i) => i.id).sort();
    canary.instances = refreshed
      ? group.instances
          .filter((i) => i.imageId === release.imageId)
          .map((i) => i.id)
          .sort()
      : ids.slice(0, canaryCount(ids.length, settings.percentage));
    const last = await readLastDeployment(
      deps.codeDeploy,
      config.application,
      config.deploymentGroup,
      deps.signal,
    );
    canary.app = revision !== undefined && last?.revision !== revision && canary.instances.length > 0;
    if (canary.instances.length === 0) throw new CanaryVerdictError('no instance runs the canary');
    if (!refreshed && !canary.app) return new Skip('neither the image nor the revision changes: no canary');
    return `${canary.instances.join(', ')} of ${ids.length}: ${[refreshed && 'image', canary.app && 'revision'].filter(Boolean).join(' and ') || 'nothing new'}`;
  });

  if (!refreshed && !canary.app) {
    release.canary = undefined;
    return false;
  }
  if (canary.app) {
    await stages.run('canary app', async () => {
      await deps.ec2.send(new CreateTagsCommand({ Resources: canary.instances, Tags: [CANARY_TAG] }), {
        abortSignal: deps.signal,
      });
      const outcome = newDeployOutcome();
      try {
        await deploy(
          deps,
          {
            ...appInputs(config, target, '', Math.max(1, options.deadline - deps.clock.now()), false),
            group: canary.deploymentGroup,
          },
          outcome,
        );
      } finally {
        if (outcome.deploymentId)
          stages.note(`${outcome.deploymentId} ${outcome.status ?? ''} on ${canary.instances.join(', ')}`);
      }
      return outcome.deploymentId;
    });
  }

  await stages.run('canary bake', async () => {
    const bakeUntil = Date.parse(canary.bakeUntil);
    const since = deps.clock.now();
    await poll({
      what: `the canary's bake (until ${canary.bakeUntil})`,
      intervalMs: LOOK_MS,
      jitter: 0,
      timeoutMs: bakeUntil - since + 2 * LOOK_MS,
      signal: deps.signal,
      clock: deps.clock,
      check: async () => {
        const look = await lookAtCanary(deps, config, canary, since);
        await save();
        const bad = verdict(look);
        if (bad) throw new CanaryVerdictError(bad);
        return deps.clock.now() >= bakeUntil ? done(undefined) : pending(describeLook(look));
      },
    });
    return describeLook(canary.looks.at(-1)!);
  });

  canary.state = 'waiting';
  canary.approveBy = new Date(deps.clock.now() + settings.approvalMs).toISOString();
  release.outcome = 'canary';
  return true;
}

/** One look: alarms, the canary's targets, the target group's figures since `since`; kept in the record. */
export async function lookAtCanary(
  deps: ReleaseDeps,
  config: StackConfig,
  canary: CanaryRecord,
  since: number,
): Promise<HealthLook> {
  const cloudWatch = cloudWatchOf(deps);
  const look: HealthLook = { at: new Date(deps.clock.now()).toISOString(), alarms: [], targets: [] };
  if (config.alarms.length > 0) {
    const { MetricAlarms = [], CompositeAlarms = [] } = await cloudWatch.send(
      new DescribeAlarmsCommand({ AlarmNames: config.alarms, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
      { abortSignal: deps.signal },
    );
    const found = new Map(
      [...MetricAlarms, ...CompositeAlarms].map((a) => [
        a.AlarmName!,
        { state: a.StateValue ?? 'unknown', reason: a.StateReason },
      ]),
    );
    look.alarms = config.alarms.map((name) => ({ name, ...(found.get(name) ?? { state: 'MISSING' }) }));
  }
  const group = await readGroup(deps.autoScaling, deps.ec2, config.autoScalingGroup, deps.signal, false);
  const ids = new Set(canary.instances);
  for (const arn of group.targetGroupArns) {
    for (const { id, state } of await targetStates(deps.elbv2, arn, deps.signal)) {
      if (ids.has(id)) look.targets.push({ id, state });
    }
  }
  const figures = await readFigures(deps, cloudWatch, group.targetGroupArns, since);
  Object.assign(look, figures);
  canary.looks.push(look);
  // The record keeps the bake's story short: the first look and the last 29.
  if (canary.looks.length > 30) canary.looks.splice(1, 1);
  return look;
}

/**
 * The target group's 5xx answers (Sum) and response time (Average per minute) since the bake began.
 * The ALB publishes both per target group with the dimensions LoadBalancer (`app/<name>/<id>`) and
 * TargetGroup (`targetgroup/<name>/<id>`) (User Guide for Application Load Balancers, "CloudWatch
 * metrics for your Application Load Balancer"); GetMetricData answers one MetricDataResult per query,
 * with Timestamps and Values (CloudWatch API Reference, GetMetricData, MetricDataResult).
 */
async function readFigures(
  deps: ReleaseDeps,
  cloudWatch: CloudWatchClient,
  targetGroupArns: string[],
  since: number,
): Promise<{ http5xx?: number; latencyMs?: number }> {
  const [arn] = targetGroupArns;
  if (!arn) return {};
  const { TargetGroups = [] } = await deps.elbv2.send(
    new DescribeTargetGroupsCommand({ TargetGroupArns: [arn] }),
    {
      abortSignal: deps.signal,
    },
  );
  const lb = TargetGroups[0]?.LoadBalancerArns?.[0];
  if (!lb) return {};
  const dimensions = [
    { Name: 'LoadBalancer', Value: lb.split(':loadbalancer/')[1] },
    { Name: 'TargetGroup', Value: arn.split(':').at(-1) },
  ];
  const query = (id: string, metric: string, stat: string): MetricDataQuery => ({
    Id: id,
    MetricStat: {
      Metric: { Namespace: 'AWS/ApplicationELB', MetricName: metric, Dimensions: dimensions },
      Period: 60,
      Stat: stat,
    },
  });
  const now = deps.clock.now();
  const { MetricDataResults = [] } = await cloudWatch.send(
    new GetMetricDataCommand({
      MetricDataQueries: [
        query('errors', 'HTTPCode_Target_5XX_Count', 'Sum'),
        query('latency', 'TargetResponseTime', 'Average'),
      ],
      StartTime: new Date(Math.floor(since / 60_000) * 60_000),
      EndTime: new Date(now + 60_000),
    }),
    { abortSignal: deps.signal },
  );
  const values = (id: string) => MetricDataResults.find((r) => r.Id === id)?.Values ?? [];
  const latency = values('latency');
  return {
    http5xx: values('errors').reduce((a, b) => a + b, 0),
    latencyMs: latency.length === 0 ? undefined : Math.round(Math.max(...latency) * 1000),
  };
}

/** Why a look ends the canary, or undefined when it is good. */
export function verdict(look: HealthLook): string | undefined {
  const alarming = look.alarms.filter((a) => a.state === 'ALARM' || a.state === 'MISSING');
  if (alarming.length > 0)
    return `alarm ${alarming.map((a) => `${a.name} ${a.state}${a.reason ? ` (${a.reason})` : ''}`).join(', ')}`;
  const unhealthy = look.targets.filter((t) => t.state.startsWith('unhealthy'));
  if (unhealthy.length > 0)
    return `canary instance unhealthy: ${unhealthy.map((t) => `${t.id} ${t.state}`).join(', ')}`;
  return undefined;
}

export function describeLook(look: HealthLook): string {
  const alarms = look.alarms.map((a) => `${a.name} ${a.state}`).join(', ') || 'no alarms';
  const targets = look.targets.map((t) => `${t.id} ${t.state}`).join(', ') || 'no canary target seen';
  const figures = [
    look.http5xx === undefined ? undefined : `${look.http5xx} 5xx`,
    look.latencyMs === undefined ? undefined : `worst minute ${look.latencyMs} ms`,
  ].filter(Boolean);
  return `${alarms}; ${targets}${figures.length ? `; ${figures.join(', ')}` : ''}`;
}

/**
 * Takes back what the canary put on its instances that a converge back would not: the revision the
 * canary deployment group installed (when no refresh replaces those instances anyway) and the canary
 * tag. Then the release's own converge to the last good release restores the image and the group.
 */
export async function retractCanary(
  deps: ReleaseDeps,
  config: StackConfig,
  stages: StageRunner,
  release: Release,
  good: Target,
  timeoutMs: number,
): Promise<void> {
  const canary = release.canary;
  if (!canary || canary.state === 'rolled-back' || canary.state === 'promoted') return;
  canary.state = 'aborting';
  const present = await presentInstances(deps, canary.instances);
  if (canary.app && !canary.image && good.revision && present.length > 0) {
    await stages.run('rollback: canary app', async () => {
      const outcome = newDeployOutcome();
      try {
        await deploy(
          deps,
          {
            ...appInputs(config, { ...good, bundle: undefined }, 'rollback: ', timeoutMs, false),
            group: canary.deploymentGroup,
          },
          outcome,
        );
      } finally {
        if (outcome.deploymentId)
          stages.note(
            `${outcome.deploymentId} ${outcome.status ?? ''}: ${good.revision} back on ${present.join(', ')}`,
          );
      }
      return outcome.deploymentId;
    });
  }
  if (canary.app) {
    await stages.run('rollback: canary tag', async () => {
      if (present.length === 0) return new Skip('the canary instances are gone');
      await deps.ec2.send(new DeleteTagsCommand({ Resources: present, Tags: [{ Key: CANARY_TAG.Key }] }));
      return present.join(', ');
    });
  }
}

/** The canary's instances that still exist (a refresh or a health check may have replaced some). */
async function presentInstances(deps: ReleaseDeps, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const { Reservations = [] } = await deps.ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        { Name: 'instance-id', Values: ids },
        { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
      ],
    }),
  );
  return Reservations.flatMap((r) => r.Instances ?? [])
    .map((i) => i.InstanceId!)
    .sort();
}

/**
 * After promotion: the canary instances are ordinary instances again (their tag goes). Its failure is in
 * the timeline but never undoes a promotion that is live (the error table says what to do).
 */
export async function untagCanary(deps: ReleaseDeps, stages: StageRunner, release: Release): Promise<void> {
  const canary = release.canary;
  if (!canary?.app) return;
  await stages
    .run('canary untag', async () => {
      const present = await presentInstances(deps, canary.instances);
      if (present.length === 0) return new Skip('the canary instances are gone');
      await deps.ec2.send(new DeleteTagsCommand({ Resources: present, Tags: [{ Key: CANARY_TAG.Key }] }));
      return present.join(', ');
    })
    .catch((error: unknown) => {
      if (error instanceof RecordConflictError) throw error;
      deps.log(`Removing the canary tag failed (the release is live): ${describeError(error)}`);
    });
}

/** The summary's part on the canary: how it went, and every look of the bake. */
export function canaryMarkdown(release: Release): string {
  const canary = release.canary;
  if (!canary) return '';
  const facts = [
    ['state', canary.state],
    ['share', `${canary.percentage} %: ${canary.instances.join(', ') || 'none'}`],
    [
      'what it runs',
      [canary.image && `image ${release.imageId}`, canary.app && `revision ${release.revision}`]
        .filter(Boolean)
        .join(', '),
    ],
    ['bake until', canary.bakeUntil],
    ['approve by', canary.approveBy],
    ['verdict', canary.verdict],
  ].filter(([, v]) => v !== undefined && v !== '') as string[][];
  const rows = canary.looks.map((l) => [
    l.at.slice(11, 19),
    l.alarms
      .map((a) => `${a.state === 'ALARM' ? '🔴' : a.state === 'OK' ? '🟢' : '⚪'} ${a.name} ${a.state}`)
      .join('<br>') || '—',
    l.targets.map((t) => `${t.id} ${t.state}`).join('<br>') || '—',
    l.http5xx === undefined ? '—' : String(l.http5xx),
    l.latencyMs === undefined ? '—' : `${l.latencyMs} ms`,
  ]);
  return [
    '#### Canary',
    '',
    markdownTable(['', ''], facts),
    '',
    markdownTable(['look (UTC)', 'alarms', 'canary targets', '5xx since bake', 'worst minute latency'], rows),
    '',
  ].join('\n');
}
