/**
 * The release as sequences of runs against moto plus the simulation (actions/sim/world.ts): a cancel at each stage with the recover step, a timeout, an older commit, a superseded run.
 * Each scenario runs the steps the workflows run, in order, and asserts the state after each run: the
 * commit and image every instance serves, the launch template's default, the version the group is
 * pinned to, and the release record. (Three files, so their mocked accounts run side by side.)
 */
import { describe, expect, it } from 'vitest';
import { failure, useScenarios } from '../../test-support/release-scenarios.js';
import { RecordConflictError } from './record-write.js';
import { RefusedError } from './release.js';

const kit = useScenarios();

describe('a cancel at each stage: the recover step rolls back', () => {
  // The runner cancels a second (simulated) after the stage starts: inside its first wait.
  it.each(['app', 'bake', 'refresh'])(
    '%s: the run records the cancel, the recover step puts c1 and its image back',
    async (stage) => {
      const expected = `${stage} cancelled`;
      const { c1, image } = await kit.firstDeploy();
      kit.repo.recipe('#!/bin/sh\necho new\npoweroff\n');
      const run = await kit.pipeline.deploy(kit.repo.commit('c2'), { cancelInStage: stage });
      expect(failure(run.release), kit.pipeline.lines.slice(-15).join('\n')).toEqual([expected]);
      expect(run.release).toMatchObject({ outcome: 'cancelled' });
      expect(run.release!.rollback).toBeUndefined();
      const recovered = await kit.pipeline.recover(run.id);
      expect(recovered, kit.pipeline.lines.slice(-15).join('\n')).toMatchObject({
        outcome: 'cancelled',
        rollback: 'succeeded',
      });
      await kit.expectServing(c1.sha, image);
      expect(await kit.live()).toEqual({ commit: c1.sha, imageId: image, launchTemplateVersion: 2 });
    },
  );

  it('smoke: the recover step restores c1 and starts the refresh back, which AWS finishes after the job', async () => {
    const { c1, image } = await kit.firstDeploy();
    kit.repo.recipe('#!/bin/sh\necho new\npoweroff\n');
    const run = await kit.pipeline.deploy(kit.repo.commit('c2'), { cancelInStage: 'smoke' });
    expect(failure(run.release)).toEqual(['smoke cancelled']);
    const recovered = await kit.pipeline.recover(run.id);
    // A redeploy and a refresh do not fit in the five minutes GitHub gives a cancelled job: the
    // refresh is left running in AWS (never stopped half-way) and the record says so.
    expect(recovered).toMatchObject({ outcome: 'cancelled', rollback: 'left-running' });
    expect(failure(recovered)).toEqual(['smoke cancelled', 'rollback: refresh left-running']);
    expect((await kit.stack()).commits).toEqual([c1.sha]);
    await kit.world.clock.sleep(10 * 60_000);
    await kit.expectServing(c1.sha, image);
    // The next deploy starts from there and converges.
    const next = await kit.pipeline.deploy(kit.repo.commit('c3'));
    expect(next.error).toBeUndefined();
    expect((await kit.stack()).commits).toEqual([next.release!.commit]);
  });
});

describe('a timeout', () => {
  it('a refresh that never ends is rolled back by AWS at the stage budget; the kit.pipeline restores c1 inside the job', async () => {
    const { c1, image } = await kit.firstDeploy();
    kit.repo.recipe('#!/bin/sh\necho new\npoweroff\n');
    kit.world.autoScalingSim.script({
      steps: [
        { afterSeconds: 0, status: 'Pending' },
        {
          afterSeconds: 20,
          status: 'InProgress',
          percentage: 0,
          statusReason: 'Waiting for instances to warm up',
        },
      ],
    });
    const started = kit.world.clock.now();
    const run = await kit.pipeline.deploy(kit.repo.commit('c2'));
    expect(failure(run.release)).toEqual(['refresh timed-out']);
    expect(run.release).toMatchObject({ outcome: 'timed-out', rollback: 'succeeded' });
    await kit.expectServing(c1.sha, image);
    // Everything, rollback included, ended inside the job's limit.
    expect(kit.world.clock.now() - started).toBeLessThan(350 * 60_000);
  });
});

describe('order', () => {
  it('an older commit after a newer one is refused before anything changes', async () => {
    const { c1 } = await kit.firstDeploy();
    const c2 = kit.repo.commit('c2');
    expect((await kit.pipeline.deploy(c2)).error).toBeUndefined();
    const before = await kit.pipeline.record();
    const again = await kit.pipeline.deploy(c1);
    expect(again.error).toBeInstanceOf(RefusedError);
    expect(String(again.error)).toContain('is older than the live release');
    expect(await kit.stack()).toMatchObject({ commits: [c2.sha] });
    expect(await kit.pipeline.record()).toEqual(before);
  });

  it('a superseded run never overwrites a newer release', async () => {
    await kit.firstDeploy();
    const c2 = kit.repo.commit('c2');
    const c3 = kit.repo.commit('c3');
    // Run A (c2) is still going when run B (c3) starts — a runner that lost contact, say. A's
    // deployment is slow, so B claims the record while A waits for it.
    kit.world.codeDeploySim.script({ eventSeconds: 120 });
    const a = kit.pipeline.deploy(c2);
    // Looked for at every turn of the event loop, the pace at which A's fake clock moves (one sleep
    // per setImmediate): a real-time timer here could fire only after A's whole deployment under load.
    while ((await kit.pipeline.record()).releases[0]?.commit !== c2.sha) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    const b = kit.pipeline.deploy(c3);
    const [ranA, ranB] = await Promise.all([a, b]);
    expect(ranA.error).toBeInstanceOf(RecordConflictError);
    expect(ranB.error).toBeUndefined();
    expect(await kit.live()).toMatchObject({ commit: c3.sha });
    expect(await kit.stack()).toMatchObject({ commits: [c3.sha] });
    const record = await kit.pipeline.record();
    expect(record.releases.find((r) => r.id === ranA.id)?.outcome).toBe('interrupted');
  });
});
