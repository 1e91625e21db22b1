/**
 * The release: what is live, what changes, what to do on failure, cancel and timeout, and what "the
 * last good release" is — decided here, in one place, with the workflows thin around it.
 *
 * - deploy:   refuse an older commit; plan the time; claim the record; converge to the new release;
 *             on a failure or timeout converge back to the last good release (inside the same step,
 *             whose time budget kept room for it); on the runner's cancel, stop what is in flight and
 *             leave the rest to the recover step.
 * - rollback: converge to the previous good release (or a named one) and reject what was live, so a
 *             second `rollback previous` goes one further back instead of flipping.
 * - recover:  the step that runs when the job was cancelled (or the release step died): converge back
 *             to the last good release within the few minutes GitHub gives a cancelled job.
 */
import { describeError } from '../../lib/index.js';
import {
  appspecHooksMs,
  BudgetError,
  CANCEL_WINDOW_MS,
  groupTimings,
  type Schedule,
  schedule,
} from './budget.js';
import { retractCanary, stopAtCanary } from './canary.js';
import {
  type ConvergeOptions,
  converge,
  type ReleaseDeps,
  type StackConfig,
  StageError,
  StageRunner,
  type Target,
} from './converge.js';
import { pruneRevisions } from './prune.js';
import { recipeImage } from './recipe.js';
import {
  type Content,
  liveRelease,
  previousGoodRelease,
  type Release,
  readRecord,
  rejectLiveContent,
  type StoredRecord,
} from './record.js';
import { RecordConflictError, writeRecord } from './record-write.js';
import { readGroup, readLastDeployment, readTargetGroups, readTemplate } from './state.js';
import { Skip } from './timeline.js';

export interface RunContext {
  /** `<run id>-<attempt>`. */
  id: string;
  actor?: string;
  /** When the job's time limit ends (clock ms). */
  jobDeadline: number;
  /** The repository's appspec.yml (its hook timeouts size the budgets). */
  appspecPath: string;
}

export interface Ancestry {
  /** True when `older` is an ancestor of `newer`; undefined when the history does not know one of them. */
  isAncestor(older: string, newer: string): Promise<boolean | undefined>;
}

/** The release was refused before anything changed (older commit, no time, nothing to roll back to). */
export class RefusedError extends Error {
  override name = 'RefusedError';
}

/** The record as this run holds it, and the one way it writes it back. */
export class Ledger {
  constructor(
    private readonly deps: ReleaseDeps,
    private readonly config: StackConfig,
    public stored: StoredRecord,
  ) {}

  get record() {
    return this.stored.record;
  }

  async save(abortSignal?: AbortSignal): Promise<void> {
    this.stored.etag = await writeRecord(
      this.deps.s3,
      this.config.bucket,
      this.record,
      this.stored.etag,
      abortSignal,
    );
  }

  /** Saves even while the run is being cancelled: a few seconds at most, then gives up quietly. */
  async saveQuickly(): Promise<void> {
    await this.save(AbortSignal.timeout(3_000)).catch((error: unknown) => {
      if (error instanceof RecordConflictError) throw error;
      this.deps.log(`Could not save the release record: ${describeError(error)}`);
    });
  }
}

export async function openLedger(deps: ReleaseDeps, config: StackConfig): Promise<Ledger> {
  const ledger = new Ledger(
    deps,
    config,
    await readRecord(deps.s3, config.bucket, config.environment, deps.signal),
  );
  // A release still "in progress" here belongs to a run that died (the concurrency group lets one
  // run at a time): it is history now.
  for (const r of ledger.record.releases) if (r.outcome === 'in-progress') r.outcome = 'interrupted';
  return ledger;
}

export function newRelease(
  deps: ReleaseDeps,
  run: RunContext,
  kind: Release['kind'],
  content: Content,
): Release {
  return {
    id: run.id,
    kind,
    actor: run.actor,
    outcome: 'in-progress',
    startedAt: new Date(deps.clock.now()).toISOString(),
    stages: [],
    ...content,
  };
}

/** What is live when the record does not say (the first release of a stack the pipeline deployed before). */
async function adoptFromAws(deps: ReleaseDeps, config: StackConfig): Promise<Release | undefined> {
  const last = await readLastDeployment(
    deps.codeDeploy,
    config.application,
    config.deploymentGroup,
    deps.signal,
  );
  if (!last) return undefined;
  const group = await readGroup(deps.autoScaling, deps.ec2, config.autoScalingGroup, deps.signal, false);
  const template = await readTemplate(deps.ec2, config.launchTemplate);
  const version = Number(group.pinnedVersion);
  return {
    id: `adopted-${last.id}`,
    kind: 'deploy',
    commit: /\b[0-9a-f]{40}\b/.exec(last.description ?? '')?.[0] ?? 'unknown',
    revision: last.revision,
    imageId: Number.isInteger(version) ? template.images[version] : undefined,
    launchTemplateVersion: Number.isInteger(version) ? version : undefined,
    outcome: 'succeeded',
    startedAt: (last.endTime ?? new Date(deps.clock.now())).toISOString(),
    stages: [],
  };
}

export async function plan(
  deps: ReleaseDeps,
  config: StackConfig,
  run: RunContext,
  flags: { app: boolean; bake: boolean; refresh: boolean },
): Promise<Schedule> {
  const group = await readGroup(deps.autoScaling, deps.ec2, config.autoScalingGroup, deps.signal, false);
  const timings = groupTimings(
    group,
    await readTargetGroups(deps.elbv2, group.targetGroupArns),
    await appspecHooksMs(run.appspecPath),
  );
  const planned = schedule(timings, flags, deps.clock.now(), run.jobDeadline);
  deps.log(
    `Time: forward stages until ${new Date(planned.forwardDeadline).toISOString()}, then ` +
      `${Math.round(planned.rollbackMs / 60_000)} min kept for a rollback (job ends ${new Date(planned.jobDeadline).toISOString()}).`,
  );
  return planned;
}

export function convergeOptions(
  planned: Schedule,
  prefix: string,
  deadline: number,
  whenTimeIsUp: ConvergeOptions['whenTimeIsUp'],
): ConvergeOptions {
  return { prefix, deadline, budgets: planned.budgets, whenTimeIsUp };
}

/** Guards the bootstrap's trap: ELB health checks on a group that has never had a good revision. */
async function checkBootstrap(deps: ReleaseDeps, config: StackConfig): Promise<void> {
  const group = await readGroup(deps.autoScaling, deps.ec2, config.autoScalingGroup, deps.signal, false);
  if (group.desired === 0 || group.healthCheckType !== 'ELB') return;
  const last = await readLastDeployment(
    deps.codeDeploy,
    config.application,
    config.deploymentGroup,
    deps.signal,
  );
  if (last) return;
  throw new RefusedError(
    `Auto Scaling group "${config.autoScalingGroup}" has ${group.desired} instance(s) on ELB health checks but no ` +
      'revision has ever been deployed: they fail the health check and are replaced in a loop. Bootstrap ' +
      '(docs/operations.md): run the stack with HealthCheckType=EC2 until the first deploy has succeeded.',
  );
}

/**
 * Housekeeping after a release went live: tags the revisions the bucket may delete. Its failure is in
 * the timeline but never fails a release that is live.
 */
export async function prune(
  deps: ReleaseDeps,
  config: StackConfig,
  ledger: Ledger,
  stages: StageRunner,
): Promise<void> {
  await stages
    .run('prune revisions', async () => {
      const tagged = await pruneRevisions(deps, ledger.record, {
        bucket: config.bucket,
        prefix: config.revisionPrefix,
        application: config.application,
        deploymentGroup: config.deploymentGroup,
        keep: config.keepReleases,
      });
      if (tagged.length === 0) return new Skip('every revision in the bucket belongs to a kept release');
      stages.note(`tagged ${tagged.length} for deletion: ${tagged.join(', ')}`);
      return tagged.length;
    })
    .catch((error: unknown) => {
      if (error instanceof RecordConflictError) throw error;
      deps.log(`Pruning revisions failed (the release is live): ${describeError(error)}`);
    });
}

export interface DeployRequest {
  commit: string;
  /** The revision folder or zip this commit was built into. */
  bundle: string;
}

/** Deploys `request.commit`; returns the release as recorded. Throws when it did not go live. */
export async function deployRelease(
  deps: ReleaseDeps,
  config: StackConfig,
  run: RunContext,
  request: DeployRequest,
  ancestry: Ancestry,
): Promise<Release> {
  const ledger = await openLedger(deps, config);
  refuseWhileCanaryWaits(ledger.record.releases, 'deploy');
  const previous = liveRelease(ledger.record) ?? (await adoptFromAws(deps, config));
  const release = newRelease(deps, run, 'deploy', { commit: request.commit });

  // Order: a commit that the live one already contains is older; only rollback.yml goes back.
  if (previous && previous.commit !== request.commit && previous.commit !== 'unknown') {
    if ((await ancestry.isAncestor(request.commit, previous.commit)) === true) {
      throw new RefusedError(
        `${request.commit.slice(0, 12)} is older than the live release ${previous.id} (${previous.commit.slice(0, 12)}): ` +
          'deploying it would go back in time. Nothing was changed. To go back on purpose, run rollback.yml.',
      );
    }
  }
  await checkBootstrap(deps, config);
  const image = await recipeImage(deps, config.bake);
  const group = await readGroup(deps.autoScaling, deps.ec2, config.autoScalingGroup, deps.signal);
  const converged = image.imageId !== undefined && group.instances.every((i) => i.imageId === image.imageId);
  let planned: Schedule;
  try {
    planned = await plan(deps, config, run, {
      app: true,
      bake: image.imageId === undefined,
      refresh: !converged,
    });
  } catch (error) {
    if (error instanceof BudgetError) throw new RefusedError(error.message);
    throw error;
  }

  const target: Target = { commit: request.commit, bundle: request.bundle };
  const options = convergeOptions(planned, '', planned.forwardDeadline, 'stop');
  const canary = config.canary;
  return carryOut(deps, config, ledger, release, target, {
    options,
    stopAt: canary
      ? (stages) => stopAtCanary(deps, config, canary, stages, target, options, release, () => ledger.save())
      : undefined,
    onFailure: (stages) => afterForwardFailure({ deps, config, ledger, stages, release, previous, planned }),
  });
}

/** A release that failed, with what rolling it back needs: the release live before it, and its schedule. */
export interface FailedRelease {
  deps: ReleaseDeps;
  config: StackConfig;
  ledger: Ledger;
  stages: StageRunner;
  release: Release;
  previous: Release | undefined;
  planned: Schedule;
}

/**
 * A forward converge (a deploy, a canary's promotion) failed: a cancel leaves the rollback to the
 * recover step (the runner kills this process seconds from now: the record says so); a failure or a
 * timeout rolls back to `previous` inside the same step.
 */
export async function afterForwardFailure(failed: FailedRelease): Promise<void> {
  const { deps, ledger, release } = failed;
  if (release.outcome === 'cancelled') {
    release.endedAt = new Date(deps.clock.now()).toISOString();
    await ledger.saveQuickly();
    return;
  }
  await rollBackAfterFailure(failed);
}

/** How an error ended a release: as the stage it ended says (timed out, cancelled), else failed. */
function endedBy(error: unknown): 'timed-out' | 'cancelled' | 'failed' {
  const outcome = error instanceof StageError ? error.stage.outcome : 'failed';
  return outcome === 'timed-out' ? 'timed-out' : outcome === 'cancelled' ? 'cancelled' : 'failed';
}

/**
 * A canary waiting for approval holds the environment: a deploy or a rollback now would converge the
 * fleet under it. Promote it or roll it back (the deploy run's production-canary or canary-rollback job).
 */
function refuseWhileCanaryWaits(releases: Release[], what: string): void {
  const waiting = releases.find((r) => r.outcome === 'canary');
  if (!waiting) return;
  throw new RefusedError(
    `Release ${waiting.id} (${waiting.commit.slice(0, 12)}) is a canary waiting for approval until ` +
      `${waiting.canary?.approveBy ?? '?'}: this ${what} does not start under it. Nothing was changed. ` +
      'Approve its production-canary job (promote) or reject it (the canary is rolled back), then run again.',
  );
}

/**
 * Records `release`, converges the stack to `target`, prunes, and records the outcome. A failure is
 * recorded as the stage that ended it says (timed out, cancelled, failed), then `onFailure` decides
 * what the run leaves behind before the error goes on.
 */
export async function carryOut(
  deps: ReleaseDeps,
  config: StackConfig,
  ledger: Ledger,
  release: Release,
  target: Target,
  how: {
    options: ConvergeOptions;
    /** Checks (or finishes) the converged stack before the release counts as succeeded. */
    check?: (stages: StageRunner) => void | Promise<void>;
    /** The release is in the record already (a canary's promotion goes on with it). */
    continues?: boolean;
    /**
     * Before the whole fleet: the canary's first phase (canary.ts); true when it left the release
     * waiting, false when there was nothing to expose (the converge below finishes the release).
     */
    stopAt?: (stages: StageRunner) => Promise<boolean>;
    onFailure: (stages: StageRunner) => Promise<void>;
  },
): Promise<Release> {
  if (!how.continues) {
    ledger.record.releases.unshift(release);
    await ledger.save(deps.signal);
  }
  const stages = new StageRunner(deps, release, () => ledger.save());
  try {
    if (how.stopAt && (await how.stopAt(stages))) {
      release.endedAt = new Date(deps.clock.now()).toISOString();
      await ledger.save();
      return release;
    }
    await converge(deps, config, stages, target, how.options, release);
    await how.check?.(stages);
    release.outcome = 'succeeded';
    await prune(deps, config, ledger, stages);
    release.endedAt = new Date(deps.clock.now()).toISOString();
    await ledger.save();
    return release;
  } catch (error) {
    if (error instanceof RecordConflictError) throw error;
    release.outcome = endedBy(error);
    if (release.canary) release.canary.verdict = error instanceof Error ? error.message : String(error);
    await how.onFailure(stages);
    throw error;
  }
}

export async function rollBackAfterFailure(failed: FailedRelease): Promise<void> {
  const { deps, config, ledger, stages, release, previous, planned } = failed;
  if (!previous) {
    release.rollback = 'not-possible';
    deps.log('Nothing was live before this release: there is nothing to roll back to.');
  } else {
    release.restored = previous.id;
    try {
      await retractCanary(
        deps,
        config,
        stages,
        release,
        previous,
        Math.max(1, planned.jobDeadline - deps.clock.now()),
      );
      await converge(
        deps,
        config,
        stages,
        previous,
        convergeOptions(planned, 'rollback: ', planned.jobDeadline, 'stop'),
        release,
      );
      release.rollback = 'succeeded';
      if (release.canary) release.canary.state = 'rolled-back';
    } catch (rollbackError) {
      if (rollbackError instanceof RecordConflictError) throw rollbackError;
      release.rollback = deps.signal.aborted ? undefined : 'failed';
      if (deps.signal.aborted) release.outcome = 'cancelled';
    }
  }
  release.endedAt = new Date(deps.clock.now()).toISOString();
  await ledger.saveQuickly();
}

export interface RollbackRequest {
  /** `previous`, a release id, or the commit of a good release. */
  to: string;
  reason: string;
}

/** Rolls back to the previous good release (or the one named); returns the rollback as recorded. */
export async function rollbackRelease(
  deps: ReleaseDeps,
  config: StackConfig,
  run: RunContext,
  request: RollbackRequest,
): Promise<Release> {
  const ledger = await openLedger(deps, config);
  refuseWhileCanaryWaits(ledger.record.releases, 'rollback');
  const good = ledger.record.releases.filter((r) => r.outcome === 'succeeded');
  const target =
    request.to === 'previous'
      ? previousGoodRelease(ledger.record)
      : good.find((r) => r.id === request.to || (request.to.length >= 7 && r.commit.startsWith(request.to)));
  if (!target) {
    throw new RefusedError(
      request.to === 'previous'
        ? `The release record of ${config.environment} has no good release before the live one to go back to ` +
            `(${good.length} good release(s) recorded). Nothing was changed.`
        : `Input "to" names no good release of ${config.environment}: ${JSON.stringify(request.to)} ` +
            `(good: ${good.map((r) => `${r.id} ${r.commit.slice(0, 12)}`).join(', ') || 'none'}). Nothing was changed.`,
    );
  }
  let planned: Schedule;
  try {
    planned = await plan(deps, config, run, { app: true, bake: false, refresh: true });
  } catch (error) {
    if (error instanceof BudgetError) throw new RefusedError(error.message);
    throw error;
  }
  const release = newRelease(deps, run, 'rollback', {
    commit: target.commit,
    revision: target.revision,
    imageId: target.imageId,
    launchTemplateVersion: target.launchTemplateVersion,
  });
  release.restored = target.id;
  release.reason = request.reason;
  return carryOut(deps, config, ledger, release, target, {
    options: convergeOptions(planned, '', planned.jobDeadline, 'stop'),
    check: () => rejectLiveContent(ledger.record, release),
    onFailure: async () => {
      release.endedAt = new Date(deps.clock.now()).toISOString();
      await ledger.saveQuickly();
    },
  });
}

/**
 * After a cancel (or a release step that died): converge back to the last good release — or, for a
 * cancelled rollback, finish it — within the minutes GitHub gives a cancelled job. What does not finish
 * in time is left running in AWS (never stopped half-way) and the record says so; the next run of
 * either workflow starts by waiting for it and converges anyway.
 */
export async function recoverRelease(
  deps: ReleaseDeps,
  config: StackConfig,
  run: RunContext,
): Promise<Release | undefined> {
  const stored = await readRecord(deps.s3, config.bucket, config.environment, deps.signal);
  const ledger = new Ledger(deps, config, stored);
  const release = ledger.record.releases.find((r) => r.id === run.id);
  if (!release) {
    deps.log(`Run ${run.id} left no release in the record: nothing changed, nothing to recover.`);
    return undefined;
  }
  const interrupted = ['cancelled', 'in-progress', 'interrupted'].includes(release.outcome);
  const diedBeforeRollingBack =
    release.kind === 'deploy' &&
    (release.outcome === 'failed' || release.outcome === 'timed-out') &&
    release.rollback === undefined;
  if (release.rollback === 'succeeded' || !(interrupted || diedBeforeRollingBack)) {
    deps.log(
      `Release ${release.id} ended ${release.outcome}${release.rollback ? `, rollback ${release.rollback}` : ''}: nothing to recover.`,
    );
    return release;
  }
  if (release.outcome === 'in-progress' || release.outcome === 'interrupted') release.outcome = 'cancelled';
  const target =
    release.kind === 'rollback'
      ? ledger.record.releases.find((r) => r.id === release.restored)
      : (liveRelease(ledger.record) ?? (await adoptFromAws(deps, config)));
  if (!target) {
    release.rollback = 'not-possible';
    await ledger.save();
    return release;
  }
  release.restored = target.id;
  const stages = new StageRunner(deps, release, () => ledger.save());
  // GitHub's five minutes start at the cancel — a job that hit its own timeout-minutes is cancelled
  // the same way — so the window does not depend on the job's deadline.
  const deadline = deps.clock.now() + CANCEL_WINDOW_MS;
  const unlimited = {
    app: CANCEL_WINDOW_MS,
    bake: CANCEL_WINDOW_MS,
    refresh: CANCEL_WINDOW_MS,
    smoke: CANCEL_WINDOW_MS,
  };
  try {
    await retractCanary(deps, config, stages, release, target, CANCEL_WINDOW_MS);
    await converge(
      deps,
      config,
      stages,
      target,
      {
        prefix: release.kind === 'rollback' ? '' : 'rollback: ',
        deadline,
        budgets: unlimited,
        whenTimeIsUp: 'leave',
      },
      release,
    );
    release.rollback = 'succeeded';
    if (release.canary) release.canary.state = 'rolled-back';
    if (release.kind === 'rollback') {
      rejectLiveContent(ledger.record, release);
      release.outcome = 'succeeded';
    }
  } catch (error) {
    if (error instanceof RecordConflictError) throw error;
    release.rollback =
      error instanceof StageError && error.stage.outcome === 'timed-out' ? 'left-running' : 'failed';
    if (release.rollback === 'left-running') {
      const stage = release.stages.at(-1);
      if (stage) stage.outcome = 'left-running';
    }
  }
  release.endedAt = new Date(deps.clock.now()).toISOString();
  await ledger.save();
  return release;
}
