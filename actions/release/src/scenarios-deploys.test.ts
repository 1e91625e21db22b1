/**
 * The release as sequences of runs against moto plus the simulation (actions/sim/world.ts): deploys (first, app-only, new image), the smoke test, a failure at each stage followed by the next deploy, pruning.
 * Each scenario runs the steps the workflows run, in order, and asserts the state after each run: the
 * commit and image every instance serves, the launch template's default, the version the group is
 * pinned to, and the release record. (Three files, so their mocked accounts run side by side.)
 */
import { HealthUnavailableException } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetObjectTaggingCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { VALIDATE_SERVICE_FAILS } from '../../sim/codedeploy.js';
import { APP_ONLY_STAGES, failure, stagesOf, useScenarios } from '../../test-support/release-scenarios.js';

const kit = useScenarios();

describe('deploys', () => {
  it('first deploy: bakes, rolls v2, refreshes both instances, serves c1', async () => {
    const { image } = await kit.firstDeploy();
    const release = (await kit.pipeline.record()).releases[0]!;
    expect(release.stages.map((s) => `${s.name} ${s.outcome}`)).toEqual([
      'app succeeded',
      'bake succeeded',
      'roll succeeded',
      'refresh succeeded',
      'smoke succeeded',
      'prune revisions skipped',
    ]);
    expect(release.imageId).toBe(image);
  });

  it('app-only deploy: the image is reused, no version is created, nothing is refreshed', async () => {
    const { image } = await kit.firstDeploy();
    const c2 = kit.repo.commit('c2');
    const run = await kit.pipeline.deploy(c2);
    expect(run.error).toBeUndefined();
    expect(stagesOf(run.release)).toEqual(APP_ONLY_STAGES);
    await kit.expectServing(c2.sha, image);
    expect(await kit.live()).toEqual({ commit: c2.sha, imageId: image, launchTemplateVersion: 2 });
  });

  it('deploy with a new image: bakes, rolls v3, replaces both instances, which get the new revision', async () => {
    const { image } = await kit.firstDeploy();
    kit.repo.recipe('#!/bin/sh\necho node 24\npoweroff\n');
    const c2 = kit.repo.commit('c2 with a new image');
    const run = await kit.pipeline.deploy(c2);
    expect(run.error).toBeUndefined();
    const newImage = run.release!.imageId!;
    expect(newImage).not.toBe(image);
    await kit.expectServing(c2.sha, newImage, 3);
    expect(await kit.live()).toEqual({ commit: c2.sha, imageId: newImage, launchTemplateVersion: 3 });
  });
});

describe('the smoke test', () => {
  it('looks again when ELB cannot say target health (HealthUnavailableException), instead of failing the release', async () => {
    await kit.firstDeploy();
    kit.world.faults.set(
      'DescribeTargetHealth',
      new HealthUnavailableException({
        message: 'Health checks are unavailable',
        $metadata: { httpStatusCode: 500 },
      }),
    );
    const c2 = kit.repo.commit('c2');
    const run = await kit.pipeline.deploy(c2);
    expect(run.error).toBeUndefined();
    expect(kit.world.faults.size).toBe(0);
    expect(kit.pipeline.lines.some((l) => l.includes('smoke') && l.includes('commit'))).toBe(true);
    expect((await kit.stack()).commits).toEqual([c2.sha]);
  });
});

describe('a failure at each stage, then the next deploy', () => {
  async function thenTheNextDeployConverges(image: string) {
    const c3 = kit.repo.commit('c3');
    const next = await kit.pipeline.deploy(c3);
    expect(next.error, kit.pipeline.lines.slice(-20).join('\n')).toBeUndefined();
    const s = await kit.stack();
    expect(s).toMatchObject({ commits: [c3.sha], defaultVersion: Number(s.pinnedVersion), healthy: true });
    expect(s.images).toEqual([image]);
    expect(await kit.live()).toMatchObject({ commit: c3.sha, imageId: image });
    return s;
  }

  it('app: CodeDeploy fails and rolls itself back; the kit.pipeline finds c1 live; the next deploy goes out', async () => {
    const { c1, image } = await kit.firstDeploy();
    const instance = (await kit.world.instances())[0]!.id;
    kit.world.codeDeploySim.script(VALIDATE_SERVICE_FAILS(instance));
    const run = await kit.pipeline.deploy(kit.repo.commit('c2'));
    expect(run.error).toBeDefined();
    expect(failure(run.release)).toEqual(['app failed']);
    expect(run.release).toMatchObject({ outcome: 'failed', rollback: 'succeeded' });
    expect(run.release!.stages.map((s) => s.name)).toContain('rollback: smoke');
    await kit.expectServing(c1.sha, image);
    expect(await kit.live()).toEqual({ commit: c1.sha, imageId: image, launchTemplateVersion: 2 });
    await thenTheNextDeployConverges(image);
  });

  it('bake: the builder dies; c2 is rolled back to c1; the next deploy bakes and converges', async () => {
    const { c1, image } = await kit.firstDeploy();
    kit.repo.recipe('#!/bin/sh\necho broken\npoweroff\n');
    kit.world.failBuilders = true;
    const run = await kit.pipeline.deploy(kit.repo.commit('c2'));
    expect(failure(run.release)).toEqual(['bake failed']);
    expect(run.release).toMatchObject({ outcome: 'failed', rollback: 'succeeded' });
    await kit.expectServing(c1.sha, image);
    kit.world.failBuilders = false;
    const next = await kit.pipeline.deploy(kit.repo.commit('c3'));
    expect(next.error).toBeUndefined();
    const s = await kit.stack();
    expect(s).toMatchObject({
      commits: [next.release!.commit],
      images: [next.release!.imageId],
      defaultVersion: 3,
      pinnedVersion: '3',
      healthy: true,
    });
    expect(next.release!.imageId).not.toBe(image);
  });

  it('roll: CreateLaunchTemplateVersion fails; rolled back; the next deploy rolls and refreshes', async () => {
    const { c1, image } = await kit.firstDeploy();
    kit.repo.recipe('#!/bin/sh\necho new\npoweroff\n');
    kit.world.faults.set(
      'CreateLaunchTemplateVersion',
      Object.assign(new Error('Rate exceeded, gave up'), { name: 'InternalError' }),
    );
    const run = await kit.pipeline.deploy(kit.repo.commit('c2'));
    expect(failure(run.release)).toEqual(['roll failed']);
    expect(run.release).toMatchObject({ outcome: 'failed', rollback: 'succeeded' });
    await kit.expectServing(c1.sha, image);
    const baked = run.release!.imageId!;
    const s = await thenTheNextDeployConverges(baked);
    expect(s.pinnedVersion).toBe('3');
  });

  it('refresh: AWS rolls the refresh back; default back to v2; the next deploy refreshes onto the image that already exists', async () => {
    const { c1, image } = await kit.firstDeploy();
    kit.repo.recipe('#!/bin/sh\necho new\npoweroff\n');
    kit.world.autoScalingSim.script({
      steps: [
        { afterSeconds: 0, status: 'Pending' },
        { afterSeconds: 20, status: 'InProgress', percentage: 50 },
        {
          afterSeconds: 200,
          status: 'RollbackInProgress',
          statusReason: 'Instances failed to pass health checks',
        },
        {
          afterSeconds: 260,
          status: 'RollbackSuccessful',
          statusReason: 'Instances failed to pass health checks',
        },
      ],
    });
    const run = await kit.pipeline.deploy(kit.repo.commit('c2'));
    expect(failure(run.release)).toEqual(['refresh failed']);
    expect(run.release).toMatchObject({ outcome: 'failed', rollback: 'succeeded' });
    await kit.expectServing(c1.sha, image);
    // Issue 9, defect 1: the image exists now (cache hit) and v3 already carries it; the group still converges.
    const baked = run.release!.imageId!;
    const s = await thenTheNextDeployConverges(baked);
    expect(s.pinnedVersion).toBe('3');
    const last = (await kit.pipeline.record()).releases[0]!;
    expect(last.stages.find((s) => s.name === 'roll')?.detail).toContain('an existing version');
  });

  it('smoke: c2 never passes the ALB health check; rolled back to c1; the next deploy goes out', async () => {
    const { c1, image } = await kit.firstDeploy();
    const c2 = kit.repo.commit('c2');
    kit.world.unhealthyCommits.add(c2.sha);
    const run = await kit.pipeline.deploy(c2);
    expect(failure(run.release)).toEqual(['smoke timed-out']);
    expect(run.release).toMatchObject({ outcome: 'timed-out', rollback: 'succeeded' });
    await kit.expectServing(c1.sha, image);
    await thenTheNextDeployConverges(image);
  });
});

describe('revisions the bucket may delete', () => {
  it('are tagged for the lifecycle once they fall outside the kept releases; the live and the target revision never are', async () => {
    kit.pipeline.keepReleases = 2;
    const { c1 } = await kit.firstDeploy();
    const runs = [
      await kit.pipeline.deploy(kit.repo.commit('c2')),
      await kit.pipeline.deploy(kit.repo.commit('c3')),
      await kit.pipeline.deploy(kit.repo.commit('c4')),
    ];
    for (const run of runs) expect(run.error).toBeUndefined();
    const revisionOf = async (sha: string) =>
      (await kit.pipeline.record()).releases.find((r) => r.commit === sha)!.revision!;
    const tags = async (url: string) => {
      const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(url)!;
      return (await kit.world.clients.s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key })))
        .TagSet;
    };
    expect(await tags(await revisionOf(c1.sha))).toEqual([{ Key: 'dealership:revision', Value: 'pruned' }]);
    expect(await tags(runs[0]!.release!.revision!)).toEqual([
      { Key: 'dealership:revision', Value: 'pruned' },
    ]);
    expect(await tags(runs[1]!.release!.revision!)).toEqual([]);
    expect(await tags(runs[2]!.release!.revision!)).toEqual([]);
    expect(runs[2]!.release!.stages.at(-1)).toMatchObject({ name: 'prune revisions', outcome: 'succeeded' });
    // A rollback to c3 keeps working: its revision is still there.
    expect((await kit.pipeline.rollback('previous')).error).toBeUndefined();
    expect(await kit.stack()).toMatchObject({ commits: [runs[1]!.release!.commit] });
  });
});
