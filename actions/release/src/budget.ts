/**
 * Time budgets derived from the group, not guessed: every wait's timeout comes from how many
 * instances there are and what each one has to go through, and a release only starts when what it
 * plans to do AND the rollback that may follow both fit in the job's time limit.
 *
 * Per instance (AWS sources beside each term):
 * - health checks: interval × healthy threshold (ELB target group health checks: a target is healthy
 *   after HealthyThresholdCount consecutive successes, HealthCheckIntervalSeconds apart);
 * - deregistration delay: the target group's deregistration_delay.timeout_seconds (ELB waits that long
 *   for in-flight requests before a deregistered target is dropped);
 * - an in-place deployment (CodeDeploy, OneAtATime with traffic control): BlockTraffic (the
 *   deregistration delay), every hook up to its appspec timeout (the agent kills a hook at its
 *   timeout), AllowTraffic (the health checks);
 * - an instance refresh: launch and pass the lifecycle deployment within the health check grace
 *   period, then the warmup (DefaultInstanceWarmup), health checks, and the old instance's
 *   deregistration delay (Auto Scaling instance refresh: "instance warmup").
 */
import { readFile } from 'node:fs/promises';
import { checkAppSpec } from '@dealership/revision';
import { formatDuration } from '../../lib/index.js';
import type { LiveGroup, TargetGroupSettings } from './state.js';

/** How long a bake may take (bake-ami's own default timeout). */
export const BAKE_BUDGET_MS = 45 * 60_000;
/** The smoke test: 60 looks 5 s apart at most. */
export const SMOKE_ATTEMPTS = 60;
export const SMOKE_INTERVAL_MS = 5_000;
export const SMOKE_BUDGET_MS = SMOKE_ATTEMPTS * SMOKE_INTERVAL_MS;
/** Reading state, the record, creating a launch template version: a few calls each. */
export const BOOKKEEPING_MS = 2 * 60_000;
/**
 * What a cancelled job has left: the runner re-evaluates `if:` of the remaining steps and runs those
 * that hold, but "if the workflow run is not finished after 5 minutes, the server will force terminate
 * all jobs and steps" (GitHub docs, "Workflow cancellation"). The recover step keeps 30 s of that.
 */
export const CANCEL_WINDOW_MS = 4 * 60_000 + 30_000;
/** Typical hook time on a healthy instance (the rehearsal's rollout figures, docs/benchmarks.md). */
export const TYPICAL_HOOKS_MS = 45_000;
export const TYPICAL_BAKE_MS = 12 * 60_000;

export interface GroupTimings {
  instances: number;
  warmupMs: number;
  graceMs: number;
  healthChecksMs: number;
  deregistrationMs: number;
  hooksMs: number;
}

/** Sum of the appspec's hook timeouts (CodeDeploy's default of 3600 s for a hook without one). */
export async function appspecHooksMs(appspecPath: string): Promise<number> {
  const { spec, problems } = checkAppSpec(await readFile(appspecPath, 'utf8'), appspecPath);
  if (problems.length > 0) throw new Error(`${appspecPath}: ${problems.join('; ')}`);
  let seconds = 0;
  for (const scripts of Object.values(spec.hooks)) for (const s of scripts ?? []) seconds += s.timeoutSeconds;
  return seconds * 1000;
}

/** The slowest target group decides (an instance is in service when every one of them says healthy). */
export function groupTimings(
  group: LiveGroup,
  targetGroups: TargetGroupSettings[],
  hooksMs: number,
): GroupTimings {
  const slowest = (f: (t: TargetGroupSettings) => number) => Math.max(0, ...targetGroups.map(f));
  return {
    // The desired capacity; at least one, so a budget for an empty group is not zero.
    instances: Math.max(1, group.desired),
    warmupMs: group.warmupSeconds * 1000,
    graceMs: group.healthCheckGraceSeconds * 1000,
    healthChecksMs: slowest((t) => t.intervalSeconds * t.healthyThreshold) * 1000,
    deregistrationMs: slowest((t) => t.deregistrationDelaySeconds) * 1000,
    hooksMs,
  };
}

export interface StageBudgets {
  app: number;
  bake: number;
  refresh: number;
  smoke: number;
}

/** The longest each stage may take before it counts as timed out. */
export function stageBudgets(t: GroupTimings): StageBudgets {
  return {
    app: t.instances * (t.deregistrationMs + t.hooksMs + t.healthChecksMs),
    bake: BAKE_BUDGET_MS,
    refresh: t.instances * (t.graceMs + t.warmupMs + t.healthChecksMs + t.deregistrationMs),
    smoke: SMOKE_BUDGET_MS,
  };
}

/** What a release is expected to take when nothing goes wrong (for the plan). */
export function expectedMs(t: GroupTimings, plan: { app: boolean; bake: boolean; refresh: boolean }): number {
  const perInstanceApp = t.deregistrationMs + TYPICAL_HOOKS_MS + t.healthChecksMs;
  const perInstanceRefresh = t.warmupMs + t.healthChecksMs + t.deregistrationMs + TYPICAL_HOOKS_MS;
  return (
    BOOKKEEPING_MS +
    (plan.app ? t.instances * perInstanceApp : 0) +
    (plan.bake ? TYPICAL_BAKE_MS : 0) +
    (plan.refresh ? t.instances * perInstanceRefresh : 0) +
    SMOKE_INTERVAL_MS * 10
  );
}

export interface Schedule {
  budgets: StageBudgets;
  /** The forward stages must end by then (clock ms); what is left after it is the rollback's. */
  forwardDeadline: number;
  /** The whole job ends then. */
  jobDeadline: number;
  forwardMs: number;
  rollbackMs: number;
}

/** The job's limit does not hold what this release may need plus the rollback after it. */
export class BudgetError extends Error {
  override name = 'BudgetError';
}

/**
 * Plans the time: the forward stages get their budgets, and the rollback (app redeploy, refresh back,
 * smoke) keeps its own reserve at the end of the job. Refuses — before anything changes — when the
 * two do not fit.
 */
export function schedule(
  t: GroupTimings,
  plan: { app: boolean; bake: boolean; refresh: boolean },
  now: number,
  jobDeadline: number,
): Schedule {
  const budgets = stageBudgets(t);
  const forwardMs =
    BOOKKEEPING_MS +
    (plan.app ? budgets.app : 0) +
    (plan.bake ? budgets.bake : 0) +
    (plan.refresh ? budgets.refresh : 0) +
    budgets.smoke;
  const rollbackMs =
    BOOKKEEPING_MS + (plan.app ? budgets.app : 0) + (plan.refresh ? budgets.refresh : 0) + budgets.smoke;
  const left = jobDeadline - now;
  if (forwardMs + rollbackMs > left) {
    throw new BudgetError(
      `This release may need ${formatDuration(forwardMs)} and its rollback ${formatDuration(rollbackMs)}, ` +
        `but the job has ${formatDuration(left)} left (${t.instances} instance(s): per instance ` +
        `${formatDuration(t.deregistrationMs + t.hooksMs + t.healthChecksMs)} in place, ` +
        `${formatDuration(t.graceMs + t.warmupMs + t.healthChecksMs + t.deregistrationMs)} per refresh). ` +
        "Nothing was changed. Lower the appspec hook timeouts, or raise the deploy job's timeout-minutes " +
        "together with the deploy role's MaxSessionDuration (docs/operations.md, 'Time budgets').",
    );
  }
  return { budgets, forwardDeadline: jobDeadline - rollbackMs, jobDeadline, forwardMs, rollbackMs };
}
