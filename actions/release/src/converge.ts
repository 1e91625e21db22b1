/**
 * Brings the stack to one release's content — its revision on every instance, its image in the
 * launch template version the group is pinned to and every instance launched from — whatever state
 * the stack is in: after a failed or cancelled run, an instance refresh that ended Cancelled, Failed
 * or RollbackFailed, a launch template default moved by hand. A deploy converges to the new release;
 * a rollback (the pipeline's own after a failure, `rollback.yml`, or the recover step after a cancel)
 * converges to the last good one. Each stage composes the logic of one of the five actions.
 */
import {
  type AutoScalingClient,
  DescribeInstanceRefreshesCommand,
  ScalingActivityInProgressFault,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { type EC2Client, ModifyLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { type BakeRequest, type BakeState, bake } from '../../bake-ami/src/bake.js';
import { loadBundle } from '../../codedeploy-deploy/src/bundle.js';
import {
  deploy,
  newOutcome as newDeployOutcome,
  prepareRevision,
} from '../../codedeploy-deploy/src/deploy.js';
import { activeDeployments } from '../../codedeploy-deploy/src/deployments.js';
import type { DeployInputs } from '../../codedeploy-deploy/src/inputs.js';
import { parseS3Url } from '../../codedeploy-deploy/src/revision.js';
import {
  newOutcome as newRefreshOutcome,
  refreshInstances,
} from '../../instance-refresh/src/refresh-instances.js';
import { RUNNING } from '../../instance-refresh/src/statuses.js';
import { type Clock, describeError, done, type LaunchTemplateRef, pending, poll } from '../../lib/index.js';
import { rollLaunchTemplate } from '../../roll-launch-template/src/roll.js';
import type { Content, Release, Stage } from './record.js';
import { smokeTest } from './smoke.js';
import { readGroup, readLastDeployment, readTemplate } from './state.js';
import { classify, Skip } from './timeline.js';

export interface ReleaseClients {
  ec2: EC2Client;
  ssm: SSMClient;
  s3: S3Client;
  autoScaling: AutoScalingClient;
  codeDeploy: CodeDeployClient;
  elbv2: ElasticLoadBalancingV2Client;
  /** The canary's bake reads alarms and figures (DescribeAlarms, GetMetricData). */
  cloudWatch?: CloudWatchClient;
}

export interface ReleaseDeps extends ReleaseClients {
  clock: Clock;
  /** Aborts when the runner cancels the step. */
  signal: AbortSignal;
  log: (line: string) => void;
  fetch: typeof fetch;
}

export interface StackConfig {
  region: string;
  environment: string;
  application: string;
  deploymentGroup: string;
  autoScalingGroup: string;
  launchTemplate: LaunchTemplateRef;
  bucket: string;
  revisionPrefix: string;
  /** The ALB's URL; the smoke test is skipped without one (a stack without a load balancer). */
  serviceUrl?: string;
  /** CloudWatch alarms that fail an instance refresh (the stack's outputs, vars.DEPLOYMENT_ALARM_NAMES). */
  alarms: string[];
  bake: Omit<BakeRequest, 'timeoutMs' | 'commit'>;
  /** Good releases whose revisions stay in the bucket (older ones are tagged for deletion). */
  keepReleases?: number;
  /** Stop at a canary (canary.ts); undefined: the whole fleet at once. */
  canary?: CanarySettings;
}

export interface CanarySettings {
  /** The share of the group the canary gets (1–99; at least one instance). */
  percentage: number;
  /** How long the canary is watched before the job ends waiting for approval (ms). */
  bakeMs: number;
  /** How long after the bake an approval may come; then the canary is rolled back (ms). */
  approvalMs: number;
  /** The deployment group of the instances tagged dealership:canary=true (the stack's CanaryDeploymentGroup). */
  deploymentGroup: string;
}

/** What a converge aims at: a release's content, with the bundle to upload for a new one. */
export interface Target extends Content {
  /** A revision folder or zip to upload (a new release); otherwise `revision` is redeployed. */
  bundle?: string;
}

export interface ConvergeOptions {
  /** 'rollback: ' for the stages of a rollback after a failure, '' otherwise. */
  prefix: string;
  /** Every stage ends by then (clock ms). */
  deadline: number;
  budgets: { app: number; bake: number; refresh: number; smoke: number };
  /**
   * What a stage does with the AWS operation it is waiting for when its time is up or the run is
   * cancelled: stop it (with AWS's own rollback), or leave it running (the recover step after a
   * cancel, which has minutes, not hours: AWS finishes what it started and the record says so).
   */
  whenTimeIsUp: 'stop' | 'leave';
  /**
   * The first phase of a canary: the refresh stops after this share of the group (its last checkpoint
   * is below 100), and the app and smoke stages are left to canary.ts (the revision goes to the canary
   * instances only).
   */
  canaryPercentage?: number;
}

/** A stage failed; the timeline has it. */
export class StageError extends Error {
  override name = 'StageError';
  constructor(
    readonly stage: Stage,
    cause: unknown,
  ) {
    super(`${stage.name} ${stage.outcome}: ${stage.detail ?? ''}`, { cause });
  }
}

/** Runs stages, writing each one into the release's timeline and saving the record as it goes. */
export class StageRunner {
  constructor(
    private readonly deps: ReleaseDeps,
    private readonly release: Release,
    private readonly save: () => Promise<void>,
  ) {}

  async run<T>(name: string, body: () => Promise<T | Skip>): Promise<T | undefined> {
    const { clock, log, signal } = this.deps;
    const stage: Stage = { name, startedAt: new Date(clock.now()).toISOString() };
    this.release.stages.push(stage);
    log(`── ${name}`);
    await this.save();
    try {
      const result = await body();
      stage.outcome = result instanceof Skip ? 'skipped' : 'succeeded';
      if (result instanceof Skip) stage.detail = result.reason;
      return result instanceof Skip ? undefined : result;
    } catch (error) {
      stage.outcome = classify(error, signal);
      // The one formatter: an AWS error's code, status, request id and what to do (AWS_ERRORS).
      stage.detail = describeError(error);
      throw new StageError(stage, error);
    } finally {
      stage.endedAt = new Date(clock.now()).toISOString();
      log(`── ${name}: ${stage.outcome}${stage.detail ? ` — ${stage.detail}` : ''}`);
      await this.save().catch((error: unknown) => {
        // A cancelled run still tries to save; the caller reports a conflict it cares about.
        if (!signal.aborted) throw error;
      });
    }
  }

  /** Notes a detail on the stage that is running (what a body learnt, e.g. the deployment id). */
  note(detail: string): void {
    const stage = this.release.stages.at(-1);
    if (stage) stage.detail = detail;
  }
}

const POLL_MS = { codeDeploy: 10_000, refresh: 15_000, busy: 15_000 };

function remaining(deps: ReleaseDeps, options: ConvergeOptions, budget: number): number {
  const left = options.deadline - deps.clock.now();
  if (left <= 0) throw new Error(`Timed out after 0s: no time is left before this stage (deadline passed)`);
  return Math.min(budget, left);
}

/** Waits until the group has no deployment in progress (a CodeDeploy rollback of an earlier run, say). */
async function waitForDeploymentGroup(deps: ReleaseDeps, config: StackConfig, timeoutMs: number) {
  await poll({
    what: `deployment group "${config.deploymentGroup}" to be free`,
    intervalMs: POLL_MS.busy,
    timeoutMs,
    signal: deps.signal,
    clock: deps.clock,
    check: async () => {
      const [active] = await activeDeployments(
        deps.codeDeploy,
        config.application,
        config.deploymentGroup,
        deps.signal,
      );
      return active ? pending(`deployment ${active} in progress`) : done(undefined);
    },
  });
}

/** Waits until no instance refresh holds the group (one this pipeline left rolling back, say). */
async function waitForRefreshes(
  autoScaling: AutoScalingClient,
  deps: ReleaseDeps,
  group: string,
  timeoutMs: number,
) {
  await poll({
    what: `the instance refresh in progress on "${group}" to end`,
    intervalMs: POLL_MS.busy,
    timeoutMs,
    signal: deps.signal,
    clock: deps.clock,
    check: async () => {
      const { InstanceRefreshes = [] } = await autoScaling.send(
        new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: group, MaxRecords: 10 }),
        { abortSignal: deps.signal },
      );
      const active = InstanceRefreshes.find(
        (r) => RUNNING.has(r.Status ?? '') || r.Status === 'Cancelling' || r.Status === 'RollbackInProgress',
      );
      return active ? pending(`${active.InstanceRefreshId} ${active.Status}`) : done(undefined);
    },
  });
}

/**
 * Pins an empty group to `version`. UpdateAutoScalingGroup answers ScalingActivityInProgress while a
 * scaling activity runs on the group ("The operation can't be performed because there are scaling
 * activities in progress", Amazon EC2 Auto Scaling API Reference, UpdateAutoScalingGroup): wait it out.
 */
async function pinGroup(
  deps: ReleaseDeps,
  group: string,
  templateId: string,
  version: number,
  timeoutMs: number,
): Promise<void> {
  await poll({
    what: `the scaling activity on "${group}" to end, to pin it to v${version}`,
    intervalMs: POLL_MS.busy,
    timeoutMs,
    signal: deps.signal,
    clock: deps.clock,
    check: async () => {
      try {
        await deps.autoScaling.send(
          new UpdateAutoScalingGroupCommand({
            AutoScalingGroupName: group,
            LaunchTemplate: { LaunchTemplateId: templateId, Version: String(version) },
          }),
          { abortSignal: deps.signal },
        );
        return done(undefined);
      } catch (error) {
        if (error instanceof ScalingActivityInProgressFault) return pending(describeError(error));
        throw error;
      }
    },
  });
}

/** The revision a bundle uploads to: codedeploy-deploy keys it by its SHA-256. */
async function bundleRevision(bundle: string, config: StackConfig): Promise<string> {
  const loaded = await loadBundle(bundle);
  return `s3://${config.bucket}/${config.revisionPrefix}/${loaded.sha256}.zip`;
}

/**
 * Converges the stack to `target`; returns the content it put live. Every stage is in the timeline;
 * the first that fails ends the converge with a {@link StageError}.
 */
export async function converge(
  deps: ReleaseDeps,
  config: StackConfig,
  stages: StageRunner,
  target: Target,
  options: ConvergeOptions,
  release: Release,
): Promise<Content> {
  const p = options.prefix;
  // A forward converge records what it puts live as it learns it (a failed release still names its
  // revision and image); a rollback's converge only reads.
  const live: Content = p === '' ? release : { commit: target.commit };
  const leave = options.whenTimeIsUp === 'leave';

  // ── app: the revision, in place, one instance at a time (codedeploy-deploy's logic).
  await stages.run(`${p}app`, async () => {
    if (options.canaryPercentage !== undefined) {
      return new Skip('a canary: the revision goes to the canary instances after the refresh');
    }
    const timeoutMs = remaining(deps, options, options.budgets.app);
    const revision = target.bundle ? await bundleRevision(target.bundle, config) : target.revision;
    live.revision = revision;
    const group = await readGroup(deps.autoScaling, deps.ec2, config.autoScalingGroup, deps.signal, false);
    if (group.desired === 0) {
      release.noInstances = true;
      if (target.bundle) {
        // Uploaded now so the record names it; CodeDeploy deploys it with the first deploy that has
        // instances (into an empty group a deployment ends NO_INSTANCES).
        await prepareRevision(deps, appInputs(config, target, p, timeoutMs, leave), newDeployOutcome());
      }
      return new Skip(
        `the group has no instances: ${revision ?? 'no revision'} recorded, deployed with the first instances`,
      );
    }
    if (!revision) return new Skip('this release has no revision');
    await waitForDeploymentGroup(deps, config, timeoutMs);
    const last = await readLastDeployment(
      deps.codeDeploy,
      config.application,
      config.deploymentGroup,
      deps.signal,
    );
    if (last?.revision === revision)
      return new Skip(`${revision} is already the last successful revision (${last.id})`);
    const outcome = newDeployOutcome();
    try {
      await deploy(
        deps,
        appInputs(config, target, p, remaining(deps, options, options.budgets.app), leave),
        outcome,
      );
    } finally {
      if (outcome.deploymentId) stages.note(`${outcome.deploymentId} ${outcome.status ?? ''}`.trim());
    }
    return `${outcome.deploymentId} ${outcome.status}`;
  });

  // ── bake: the image this release runs (bake-ami's logic; an image with the recipe hash is reused).
  let imageId = target.imageId;
  await stages.run(`${p}bake`, async () => {
    if (imageId) return new Skip(`the release's image ${imageId}`);
    const state: BakeState = {};
    await bake(
      deps,
      { ...config.bake, commit: target.commit, timeoutMs: remaining(deps, options, options.budgets.bake) },
      state,
    );
    imageId = state.imageId;
    stages.note(`${state.imageId} (${state.cacheHit ? 'cache hit' : `baked by ${state.builderInstanceId}`})`);
    return state.imageId;
  });
  live.imageId = imageId;
  if (!imageId) return live;

  // ── roll: a launch template version with that image, from the version the group runs, made the default.
  const image = imageId;
  const version = await stages.run(`${p}roll`, async () => {
    const template = await readTemplate(deps.ec2, config.launchTemplate);
    const group = await readGroup(deps.autoScaling, deps.ec2, config.autoScalingGroup, deps.signal, false);
    const pinned = Number(group.pinnedVersion);
    let chosen: number;
    let how: string;
    if (
      target.launchTemplateVersion !== undefined &&
      template.images[target.launchTemplateVersion] === imageId
    ) {
      chosen = target.launchTemplateVersion;
      how = 'the release’s version';
    } else if (Number.isInteger(pinned) && template.images[pinned] === imageId) {
      chosen = pinned;
      how = 'the version the group is pinned to';
    } else {
      const rolled = await rollLaunchTemplate(deps.ec2, {
        template: { LaunchTemplateId: template.id },
        imageId: image,
        sourceVersion: Number.isInteger(pinned) ? String(pinned) : '$Default',
        setDefault: true,
        description: `${imageId} for ${target.commit.slice(0, 12)}`,
      });
      chosen = rolled.version;
      how = rolled.created ? `created from v${rolled.sourceVersion}` : 'an existing version';
    }
    const current = await readTemplate(deps.ec2, config.launchTemplate);
    if (current.defaultVersion !== chosen) {
      await deps.ec2.send(
        new ModifyLaunchTemplateCommand({ LaunchTemplateId: template.id, DefaultVersion: String(chosen) }),
      );
    }
    stages.note(`v${chosen} (${how}), the default`);
    return chosen;
  });
  live.launchTemplateVersion = version;
  if (version === undefined) return live;

  // ── refresh: the group pinned to that version and every instance launched from it (instance-refresh's logic).
  await stages.run(`${p}refresh`, async () => {
    const timeoutMs = remaining(deps, options, options.budgets.refresh);
    const group = await readGroup(deps.autoScaling, deps.ec2, config.autoScalingGroup, deps.signal);
    const stale = group.instances.filter((i) => i.imageId !== imageId);
    if (group.pinnedVersion === String(version) && stale.length === 0) {
      return new Skip(`every instance runs ${imageId} and the group is pinned to v${version}`);
    }
    if (group.instances.length === 0) {
      const template = await readTemplate(deps.ec2, config.launchTemplate);
      await pinGroup(deps, config.autoScalingGroup, template.id, version, timeoutMs);
      return `pinned the group to v${version} (no instances to replace)`;
    }
    await waitForRefreshes(deps.autoScaling, deps, config.autoScalingGroup, timeoutMs);
    const outcome = newRefreshOutcome();
    try {
      await refreshInstances(
        deps,
        {
          region: config.region,
          group: config.autoScalingGroup,
          launchTemplate: { ...config.launchTemplate, Version: String(version) },
          preferences: {
            MinHealthyPercentage: 100,
            MaxHealthyPercentage: 200,
            SkipMatching: true,
            AutoRollback: true,
            ...(config.alarms.length > 0 ? { AlarmSpecification: { Alarms: config.alarms } } : {}),
            // A canary's refresh ends after this share (canary.ts says why no checkpoint delay is used).
            ...(options.canaryPercentage !== undefined
              ? { CheckpointPercentages: [options.canaryPercentage] }
              : {}),
          },
          timeoutMs: remaining(deps, options, options.budgets.refresh),
          pollMs: POLL_MS.refresh,
          onCancel: leave ? 'none' : 'rollback',
        },
        outcome,
      );
    } finally {
      if (outcome.refreshId)
        stages.note(`${outcome.refreshId} ${outcome.status ?? ''} (${stale.length} to replace)`);
    }
    return outcome.refreshId;
  });

  // ── smoke: through the ALB, this release's commit, every instance healthy.
  await stages.run(`${p}smoke`, async () => {
    if (options.canaryPercentage !== undefined)
      return new Skip('a canary: watched by the canary bake instead');
    if (!config.serviceUrl) return new Skip('no service URL (vars.SERVICE_URL) to test');
    const group = await readGroup(deps.autoScaling, deps.ec2, config.autoScalingGroup, deps.signal, false);
    if (group.desired === 0) return new Skip('the group has no instances yet (bootstrap)');
    return smokeTest(deps, {
      url: config.serviceUrl,
      group: config.autoScalingGroup,
      commit: target.commit,
      timeoutMs: remaining(deps, options, options.budgets.smoke),
    });
  });
  return live;
}

/** codedeploy-deploy's inputs for a target: upload the bundle, or redeploy the revision. */
export function appInputs(
  config: StackConfig,
  target: Target,
  prefix: string,
  timeoutMs: number,
  leave: boolean,
): DeployInputs {
  return {
    region: config.region,
    application: config.application,
    group: config.deploymentGroup,
    source: target.bundle
      ? { bundle: target.bundle, bucket: config.bucket, prefix: config.revisionPrefix }
      : { revision: parseS3Url('revision', target.revision!) },
    description: `${prefix === '' ? '' : 'rollback to '}${target.commit}`,
    fileExistsBehavior: 'OVERWRITE',
    wait: true,
    timeoutMs,
    pollMs: POLL_MS.codeDeploy,
    onCancel: leave ? 'none' : 'stop',
  };
}
