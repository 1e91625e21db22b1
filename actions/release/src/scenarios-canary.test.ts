/**
 * The canary as sequences of runs against moto plus the simulation (actions/sim/world.ts), on both
 * paths: the image path (a new recipe: a refresh that stops at 50 %, the revision on the new instance
 * through the canary deployment group) and the app path (the same image: the revision on one tagged
 * instance). Each scenario runs the jobs deploy.yml runs — deploy (stops at the canary), then
 * production-canary (promote), canary-watch (watch) or canary-rollback (abort), or the recover step of a
 * cancelled deploy — and asserts after each run what every instance runs, the launch template and the
 * group, the main deployment group's last successful revision, the canary tags and the release record.
 */
import { describe, expect, it } from 'vitest';
import { failure, useScenarios } from '../../test-support/release-scenarios.js';
import { CanaryVerdictError } from './canary.js';
import { RefusedError } from './release.js';
import { releaseSummary } from './summary.js';

const kit = useScenarios();

const MINUTE = 60_000;
const SETTINGS = { percentage: 50, bakeMs: 10 * MINUTE, approvalMs: 60 * MINUTE };

interface Path {
  name: string;
  /** Whether the release changes the image (a new recipe) as well as the revision. */
  image: boolean;
}

const PATHS: Path[] = [
  { name: 'image path (a new recipe: refresh to 50 %, then the revision on the new instance)', image: true },
  { name: 'app path (same image: the revision on one tagged instance)', image: false },
];

async function setUp(path: Path) {
  const { c1, image } = await kit.firstDeploy();
  const c1Revision = (await kit.world.state()).lastSuccessfulRevision;
  if (path.image) kit.repo.recipe('#!/bin/sh\necho node 24\npoweroff\n');
  const c2 = kit.repo.commit('c2');
  kit.pipeline.alarms = kit.world.alarms;
  kit.pipeline.canary = { ...SETTINGS, deploymentGroup: kit.world.canaryGroup.group };
  return { c1, c2, image, c1Revision: c1Revision! };
}

/** The stack as the last good release left it: c1 on every instance, its image, v2, no canary tag. */
async function expectBackOnC1(c1: { sha: string }, image: string, c1Revision: string) {
  expect(await kit.stack()).toEqual({
    commits: [c1.sha],
    images: [image],
    defaultVersion: 2,
    pinnedVersion: '2',
    healthy: true,
  });
  expect((await kit.world.state()).lastSuccessfulRevision).toBe(c1Revision);
  expect(kit.world.canaryInstances).toEqual([]);
  expect(await kit.live()).toEqual({ commit: c1.sha, imageId: image, launchTemplateVersion: 2 });
}

/** The deploy job's run: stops at the canary and waits; asserts the half-way stack. */
async function deployToCanary(
  path: Path,
  c1: { sha: string },
  c2: { sha: string; bundle: string },
  image: string,
  c1Revision: string,
) {
  const run = await kit.pipeline.deploy(c2);
  expect(run.error, kit.pipeline.lines.join('\n')).toBeUndefined();
  const release = run.release!;
  expect(release.outcome).toBe('canary');
  expect(release.canary).toMatchObject({ state: 'waiting', percentage: 50, image: path.image, app: true });
  expect(release.canary!.instances).toHaveLength(1);
  expect(
    Date.parse(release.canary!.approveBy!) - Date.parse(release.canary!.bakeUntil),
  ).toBeGreaterThanOrEqual(SETTINGS.approvalMs);
  // Looked at once a minute for the bake: every alarm OK, the canary healthy, no 5xx, figures read.
  const looks = release.canary!.looks;
  expect(looks.length).toBeGreaterThanOrEqual(10);
  for (const look of looks.slice(2)) {
    expect(look.alarms.map((a) => a.state)).toEqual(['OK', 'OK']);
    expect(look.targets).toEqual([{ id: release.canary!.instances[0], state: 'healthy' }]);
    expect(look.http5xx).toBe(0);
    expect(look.latencyMs).toBe(50);
  }
  // Half-way: one instance runs c2 (on the new image on the image path), the other still c1.
  const state = await kit.world.state();
  const canary = state.instances.find((i) => i.id === release.canary!.instances[0])!;
  const other = state.instances.find((i) => i.id !== canary.id)!;
  expect(canary.commit).toBe(c2.sha);
  expect(other.commit).toBe(c1.sha);
  expect(other.imageId).toBe(image);
  if (path.image) {
    expect(canary.imageId).toBe(release.imageId);
    expect(canary.imageId).not.toBe(image);
    expect(state.pinnedVersion).toBe('3');
    expect(state.defaultVersion).toBe(3);
  } else {
    expect(canary.imageId).toBe(image);
    expect(state.pinnedVersion).toBe('2');
  }
  expect(kit.world.canaryInstances).toEqual([canary.id]);
  // The main deployment group still has c1 (instances the group launches now get c1), and c1 is live.
  expect(state.lastSuccessfulRevision).toBe(c1Revision);
  expect(await kit.live()).toMatchObject({ commit: c1.sha });
  return { run, release };
}

describe.each(PATHS)('the canary, $name', (path) => {
  it('approval given: promote finishes the rollout; the canary’s tag goes', async () => {
    const { c1, c2, image, c1Revision } = await setUp(path);
    const { run, release } = await deployToCanary(path, c1, c2, image, c1Revision);
    // The summary shows the canary's health during the bake: alarm states, its target, 5xx and latency.
    const summary = releaseSummary(release, 'production', run.id);
    expect(summary).toContain(': canary');
    expect(summary).toContain('#### Canary');
    expect(summary).toMatch(/🟢 \S+-target-5xx OK<br>🟢 \S+-response-time OK/);
    expect(summary).toContain(`| ${release.canary!.instances[0]} healthy | 0 | 50 ms |`);

    // A push meanwhile does not deploy under the canary.
    const c3 = kit.repo.commit('c3');
    const blocked = await kit.pipeline.deploy(c3);
    expect(blocked.error).toBeInstanceOf(RefusedError);
    expect(String(blocked.error)).toMatch(/canary waiting for approval/);

    // The image went out by a refresh whose last checkpoint is the canary's share, with the alarms;
    // nothing in AWS resumes it (no checkpoint delay); promotion is a second refresh of the rest.
    const refreshes = kit.world.autoScalingSim.refreshes.slice(1).map((r) => r.input.Preferences);
    if (path.image) {
      expect(refreshes).toEqual([
        expect.objectContaining({
          CheckpointPercentages: [50],
          AutoRollback: true,
          AlarmSpecification: { Alarms: kit.world.alarms },
        }),
      ]);
      expect(refreshes[0]!.CheckpointDelay).toBeUndefined();
    } else expect(refreshes).toEqual([]);

    const promoted = await kit.pipeline.promote(run.id);
    expect(promoted.error, kit.pipeline.lines.join('\n')).toBeUndefined();
    expect(promoted.release).toMatchObject({ outcome: 'succeeded', canary: { state: 'promoted' } });
    const newImage = promoted.release!.imageId!;
    expect(await kit.stack()).toEqual({
      commits: [c2.sha],
      images: [newImage],
      defaultVersion: path.image ? 3 : 2,
      pinnedVersion: path.image ? '3' : '2',
      healthy: true,
    });
    expect(path.image ? newImage !== image : newImage === image).toBe(true);
    expect((await kit.world.state()).lastSuccessfulRevision).toBe(promoted.release!.revision);
    expect(kit.world.canaryInstances).toEqual([]);
    expect(await kit.live()).toMatchObject({ commit: c2.sha });
    if (path.image) {
      const second = kit.world.autoScalingSim.refreshes.at(-1)!.input.Preferences!;
      expect(second).toMatchObject({ SkipMatching: true, AutoRollback: true });
      expect(second.CheckpointPercentages).toBeUndefined();
    }

    // A second approval of the same canary changes nothing.
    const again = await kit.pipeline.promote(run.id);
    expect(again.error).toBeInstanceOf(RefusedError);
    expect(await kit.stack()).toMatchObject({ commits: [c2.sha] });
  });

  it('an alarm during the bake: the deploy rolls back to the last good release', async () => {
    const { c1, c2, image, c1Revision } = await setUp(path);
    // c2 answers every request with a 5xx: the target-5xx alarm goes off two minutes into the bake.
    kit.world.erroringCommits.add(c2.sha);
    const run = await kit.pipeline.deploy(c2);
    expect(run.error).toBeDefined();
    expect(run.release).toMatchObject({
      outcome: 'failed',
      rollback: 'succeeded',
      canary: { state: 'rolled-back' },
    });
    expect(run.release!.canary!.verdict).toMatch(/alarm .*-target-5xx ALARM/);
    const bad = run.release!.canary!.looks.at(-1)!;
    expect(bad.http5xx).toBeGreaterThanOrEqual(10);
    expect(bad.latencyMs).toBeGreaterThan(1000);
    expect(run.release!.stages.find((s) => s.name === 'canary bake')?.outcome).toBe('failed');
    expect(releaseSummary(run.release, 'production', run.id)).toMatch(/🔴 \S+-target-5xx ALARM/);
    await expectBackOnC1(c1, image, c1Revision);
  });

  it('approval refused: the canary-rollback job rolls back', async () => {
    const { c1, c2, image, c1Revision } = await setUp(path);
    const { run } = await deployToCanary(path, c1, c2, image, c1Revision);
    const aborted = await kit.pipeline.abort(run.id, 'the production-canary job was rejected');
    expect(aborted.error, kit.pipeline.lines.join('\n')).toBeUndefined();
    expect(aborted.release).toMatchObject({
      outcome: 'failed',
      rollback: 'succeeded',
      canary: { state: 'rolled-back', verdict: 'the production-canary job was rejected' },
    });
    await expectBackOnC1(c1, image, c1Revision);
    // The next push deploys again.
    const c3 = kit.repo.commit('c3');
    kit.pipeline.canary = undefined;
    expect((await kit.pipeline.deploy(c3)).error).toBeUndefined();
    expect(await kit.stack()).toMatchObject({ commits: [c3.sha] });
  });

  it('approval timed out: the watch rolls back at the deadline; a late approval is refused', async () => {
    const { c1, c2, image, c1Revision } = await setUp(path);
    const { run, release } = await deployToCanary(path, c1, c2, image, c1Revision);
    const watched = await kit.pipeline.watch(run.id);
    expect(watched.error, kit.pipeline.lines.join('\n')).toBeUndefined();
    expect(kit.world.clock.now()).toBeGreaterThan(Date.parse(release.canary!.approveBy!));
    expect(watched.release).toMatchObject({
      outcome: 'failed',
      rollback: 'succeeded',
      canary: { state: 'rolled-back' },
    });
    expect(watched.release!.canary!.verdict).toBe(`no approval by ${release.canary!.approveBy}`);
    await expectBackOnC1(c1, image, c1Revision);

    const late = await kit.pipeline.promote(run.id);
    expect(late.error).toBeInstanceOf(RefusedError);
    await expectBackOnC1(c1, image, c1Revision);
  });

  it('an approval that comes after the deadline (no watch ran) rolls back instead of promoting', async () => {
    const { c1, c2, image, c1Revision } = await setUp(path);
    const { run, release } = await deployToCanary(path, c1, c2, image, c1Revision);
    await kit.world.clock.sleep(Date.parse(release.canary!.approveBy!) - kit.world.clock.now() + MINUTE);
    const late = await kit.pipeline.promote(run.id);
    expect(late.error).toBeInstanceOf(CanaryVerdictError);
    expect(late.release).toMatchObject({ outcome: 'failed', rollback: 'succeeded' });
    expect(late.release!.canary!.verdict).toMatch(/approved after its deadline/);
    await expectBackOnC1(c1, image, c1Revision);
  });

  it('the runner cancelled during the bake: the recover step rolls back', async () => {
    const { c1, c2, image, c1Revision } = await setUp(path);
    const run = await kit.pipeline.deploy(c2, { cancelInStage: 'canary bake' });
    expect(run.error).toBeDefined();
    expect(run.release).toMatchObject({ outcome: 'cancelled', canary: { state: 'baking' } });
    const recovered = await kit.pipeline.recover(run.id);
    if (path.image) {
      // The refresh back does not fit in the five minutes GitHub gives a cancelled job: it is left
      // running in AWS (never stopped half-way), the record says so, and AWS finishes it.
      expect(recovered).toMatchObject({
        outcome: 'cancelled',
        rollback: 'left-running',
        canary: { state: 'aborting' },
      });
      expect(failure(recovered)).toEqual(['canary bake cancelled', 'rollback: refresh left-running']);
      await kit.world.clock.sleep(10 * MINUTE);
    } else {
      expect(recovered).toMatchObject({
        outcome: 'cancelled',
        rollback: 'succeeded',
        canary: { state: 'rolled-back' },
      });
      expect(recovered!.stages.map((s) => s.name)).toContain('rollback: canary app');
    }
    await expectBackOnC1(c1, image, c1Revision);
  });
});

describe('a canary with nothing new to expose', () => {
  it('the same commit again (same image, same revision): no canary, the release goes live at once', async () => {
    const { c1, image } = await kit.firstDeploy();
    const c1Revision = (await kit.world.state()).lastSuccessfulRevision!;
    kit.pipeline.alarms = kit.world.alarms;
    kit.pipeline.canary = { ...SETTINGS, deploymentGroup: kit.world.canaryGroup.group };
    const again = await kit.pipeline.deploy(c1);
    expect(again.error, kit.pipeline.lines.join('\n')).toBeUndefined();
    expect(again.release).toMatchObject({ outcome: 'succeeded' });
    expect(again.release!.canary).toBeUndefined();
    expect(again.release!.stages.find((s) => s.name === 'canary instances')).toMatchObject({
      outcome: 'skipped',
      detail: 'neither the image nor the revision changes: no canary',
    });
    await expectBackOnC1(c1, image, c1Revision);
  });
});
