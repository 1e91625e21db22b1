/**
 * The modes that end a canary the deploy job left waiting (canary.ts):
 * - promote: the production-canary job, which runs only once a required reviewer approved it. Too late
 *   (after the record's approveBy), or an alarm now → rolled back instead; otherwise the rest of the
 *   fleet: the revision to the main deployment group, a refresh of the rest, the smoke test.
 * - abort:   the canary-rollback job (the approval was refused, the run cancelled, promote never ran):
 *   rolls back to the last good release.
 * - watch:   runs beside the wait for approval: an alarm or the approval deadline → rolls back; it ends
 *   as soon as promote or abort claimed the canary.
 * Each claims the canary with a conditional write of the record (state promoting / aborting) before it
 * changes anything, so two of them never act on one canary: the loser's write answers 412 and it stops.
 */
import { done, pending, poll } from '../../lib/index.js';
import { CanaryVerdictError, LOOK_MS, lookAtCanary, untagCanary, verdict } from './canary.js';
import { type ReleaseDeps, type StackConfig, StageRunner } from './converge.js';
import { liveRelease, type Release } from './record.js';
import {
  afterForwardFailure,
  carryOut,
  convergeOptions,
  type Ledger,
  openLedger,
  plan,
  RefusedError,
  type RunContext,
  rollBackAfterFailure,
} from './release.js';

/** The canary release `id` names, or the one waiting. */
function findCanary(ledger: Ledger, id: string | undefined): Release | undefined {
  return ledger.record.releases.find((r) => (id ? r.id === id : r.outcome === 'canary') && r.canary);
}

function requireWaiting(release: Release | undefined, id: string | undefined, environment: string): Release {
  if (!release)
    throw new RefusedError(`No canary ${id ?? 'waiting'} in ${environment}'s record: nothing to do.`);
  if (release.outcome !== 'canary' || release.canary?.state !== 'waiting') {
    throw new RefusedError(
      `Canary ${release.id} is no longer waiting (outcome ${release.outcome}, ${release.canary?.state}${release.canary?.verdict ? `: ${release.canary.verdict}` : ''}). Nothing was changed.`,
    );
  }
  return release;
}

/**
 * Rolls a waiting canary back to the last good release, saying why; the release ends `failed` with
 * `rollback` saying how the rollback went.
 */
async function rollBackCanary(
  deps: ReleaseDeps,
  config: StackConfig,
  run: RunContext,
  ledger: Ledger,
  release: Release,
  why: string,
): Promise<Release> {
  release.canary!.state = 'aborting';
  release.canary!.verdict = why;
  release.outcome = 'failed';
  await ledger.save(deps.signal);
  deps.log(`Rolling the canary ${release.id} back: ${why}`);
  const planned = await plan(deps, config, run, { app: true, bake: false, refresh: true });
  const stages = new StageRunner(deps, release, () => ledger.save());
  const previous = liveRelease(ledger.record);
  await rollBackAfterFailure({ deps, config, ledger, stages, release, previous, planned });
  return release;
}

/** The production-canary job, after the approval. */
export async function promoteCanary(
  deps: ReleaseDeps,
  config: StackConfig,
  run: RunContext,
  id: string | undefined,
): Promise<Release> {
  const ledger = await openLedger(deps, config);
  const release = requireWaiting(findCanary(ledger, id), id, config.environment);
  const canary = release.canary!;
  if (deps.clock.now() > Date.parse(canary.approveBy ?? '')) {
    await rollBackCanary(
      deps,
      config,
      run,
      ledger,
      release,
      `approved after its deadline ${canary.approveBy}`,
    );
    throw new CanaryVerdictError(
      `The approval came after the canary's deadline (${canary.approveBy}): rolled back.`,
    );
  }
  const look = await lookAtCanary(deps, config, canary, Date.parse(canary.bakeUntil));
  const bad = verdict(look);
  if (bad) {
    await rollBackCanary(deps, config, run, ledger, release, bad);
    throw new CanaryVerdictError(`The canary is not good at promotion (${bad}): rolled back.`);
  }
  canary.state = 'promoting';
  await ledger.save(deps.signal);
  const planned = await plan(deps, config, run, { app: true, bake: false, refresh: true });
  const { commit, revision, imageId, launchTemplateVersion } = release;
  return carryOut(
    deps,
    config,
    ledger,
    release,
    { commit, revision, imageId, launchTemplateVersion },
    {
      continues: true,
      options: convergeOptions(planned, '', planned.forwardDeadline, 'stop'),
      check: async (stages) => {
        await untagCanary(deps, stages, release);
        canary.state = 'promoted';
      },
      onFailure: (stages) => {
        // The release to go back to, as the record has it when the promotion fails.
        const previous = liveRelease(ledger.record);
        return afterForwardFailure({ deps, config, ledger, stages, release, previous, planned });
      },
    },
  );
}

/** The canary-rollback job: the approval was refused, or the run was cancelled, while the canary waited. */
export async function abortCanary(
  deps: ReleaseDeps,
  config: StackConfig,
  run: RunContext,
  id: string | undefined,
  reason: string,
): Promise<Release | undefined> {
  const ledger = await openLedger(deps, config);
  const release = findCanary(ledger, id);
  if (release?.outcome !== 'canary' || release.canary?.state !== 'waiting') {
    deps.log(
      release
        ? `Canary ${release.id} is not waiting (outcome ${release.outcome}, ${release.canary?.state}): nothing to roll back.`
        : `No canary ${id ?? 'waiting'}: nothing to roll back.`,
    );
    return release;
  }
  return rollBackCanary(deps, config, run, ledger, release, reason);
}

/**
 * Beside the wait for approval: a look a minute until the canary is claimed (promoted or rolled back by
 * another job) — or an alarm fires, or the approval deadline passes, and then this rolls it back.
 */
export async function watchCanary(
  deps: ReleaseDeps,
  config: StackConfig,
  run: RunContext,
  id: string | undefined,
): Promise<Release | undefined> {
  const first = await openLedger(deps, config);
  const waiting = findCanary(first, id);
  if (waiting?.outcome !== 'canary') {
    deps.log(`No canary ${id ?? ''} waiting: nothing to watch.`);
    return waiting;
  }
  const approveBy = Date.parse(waiting.canary!.approveBy ?? '');
  const why = await poll({
    what: `an approval of canary ${waiting.id} (until ${waiting.canary!.approveBy})`,
    intervalMs: LOOK_MS,
    jitter: 0,
    timeoutMs: Math.max(LOOK_MS, approveBy - deps.clock.now() + 2 * LOOK_MS),
    signal: deps.signal,
    clock: deps.clock,
    check: async () => {
      const ledger = await openLedger(deps, config);
      const release = findCanary(ledger, waiting.id);
      if (release?.outcome !== 'canary' || release.canary?.state !== 'waiting') return done(undefined);
      if (deps.clock.now() > approveBy) return done(`no approval by ${release.canary.approveBy}`);
      const look = await lookAtCanary(deps, config, release.canary, Date.parse(release.canary.bakeUntil));
      // Not saved: a write here would make a promote that read the record before it fail its own (412).
      const bad = verdict(look);
      return bad ? done(bad) : pending(`waiting for approval until ${release.canary.approveBy}`);
    },
  });
  const ledger = await openLedger(deps, config);
  const release = findCanary(ledger, waiting.id);
  if (!why || !release || release.outcome !== 'canary' || release.canary?.state !== 'waiting') {
    deps.log(
      `Canary ${waiting.id} was ${release?.canary?.state ?? 'removed'} by another job: the watch ends.`,
    );
    return release;
  }
  return rollBackCanary(deps, config, run, ledger, release, why);
}
