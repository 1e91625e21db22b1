/**
 * The release as a sequence of runs against moto plus the simulation (actions/sim/world.ts): each
 * scenario runs the steps the workflows run, in order, and asserts the state after each run — the
 * commit and image every instance serves, the launch template's default, the version the group is
 * pinned to, and the release record.
 */

import { StartInstanceRefreshCommand } from '@aws-sdk/client-auto-scaling';
import { EC2Client, ModifyLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { HealthUnavailableException } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetObjectTaggingCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gatherPlan } from '../../deploy-plan/src/plan.js';
import { renderPlan } from '../../deploy-plan/src/render.js';
import { FakeClock } from '../../sim/clock.js';
import { VALIDATE_SERVICE_FAILS } from '../../sim/codedeploy.js';
import { ConcurrencyGroup } from '../../sim/github-concurrency.js';
import { stockImage, World } from '../../sim/world.js';
import { type MotoServer, startMoto } from '../../test-support/moto.js';
import { Pipeline, REPO_APPSPEC, Repository } from '../../test-support/release-pipeline.js';
import { ROLLBACK_WORKFLOW, type RunsApi, unfinishedRollbacks } from './gate.js';
import { RecordConflictError } from './record-write.js';
import { RefusedError } from './release.js';

let moto: MotoServer;
let stockImageId: string;
let worlds = 0;
let world: World;
let repo: Repository;
let pipeline: Pipeline;

beforeAll(async () => {
  moto = await startMoto();
  const ec2 = new EC2Client(moto.clientConfig);
  stockImageId = await stockImage(ec2);
  ec2.destroy();
});
afterAll(async () => {
  await moto?.stop();
});
beforeEach(async () => {
  // One moto for the file, a new stack per scenario (moto's reset reloads its AMI catalogue: seconds).
  worlds += 1;
  const names = { group: `web-${worlds}`, bucket: `revisions-${worlds}`, stockImageId };
  world = new World({ moto, clock: new FakeClock(), instances: 2, ...names });
  await world.create();
  repo = new Repository();
  pipeline = new Pipeline(world, repo);
});
afterEach(async () => {
  await world.close();
});

/** What every instance serves, the launch template and the group. */
async function stack() {
  const s = await world.state();
  return {
    commits: s.commits,
    images: s.images,
    defaultVersion: s.defaultVersion,
    pinnedVersion: s.pinnedVersion,
    healthy: s.instances.every((i) => i.healthy),
  };
}

async function live() {
  const record = await pipeline.record();
  const found = record.releases.find((r) => r.outcome === 'succeeded');
  return (
    found && {
      commit: found.commit,
      imageId: found.imageId,
      launchTemplateVersion: found.launchTemplateVersion,
    }
  );
}

/** The first deploy: c1 onto the group's two stock instances; the image is baked, rolled, refreshed. */
async function firstDeploy() {
  const c1 = repo.commit('c1');
  const run = await pipeline.deploy(c1);
  expect(run.error, pipeline.lines.join('\n')).toBeUndefined();
  const image = run.release!.imageId!;
  expect(image).not.toBe(world.stockImageId);
  expect(await stack()).toEqual({
    commits: [c1.sha],
    images: [image],
    defaultVersion: 2,
    pinnedVersion: '2',
    healthy: true,
  });
  expect(await live()).toEqual({ commit: c1.sha, imageId: image, launchTemplateVersion: 2 });
  return { c1, image };
}

const failure = (release: { stages: { name: string; outcome?: string }[] } | undefined) =>
  release?.stages
    .filter((s) => s.outcome !== 'succeeded' && s.outcome !== 'skipped')
    .map((s) => `${s.name} ${s.outcome}`);

describe('deploys', () => {
  it('first deploy: bakes, rolls v2, refreshes both instances, serves c1', async () => {
    const { image } = await firstDeploy();
    const release = (await pipeline.record()).releases[0]!;
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
    const { image } = await firstDeploy();
    const c2 = repo.commit('c2');
    const run = await pipeline.deploy(c2);
    expect(run.error).toBeUndefined();
    expect(run.release!.stages.map((s) => `${s.name} ${s.outcome}`)).toEqual([
      'app succeeded',
      'bake succeeded',
      'roll succeeded',
      'refresh skipped',
      'smoke succeeded',
      'prune revisions skipped',
    ]);
    expect(await stack()).toEqual({
      commits: [c2.sha],
      images: [image],
      defaultVersion: 2,
      pinnedVersion: '2',
      healthy: true,
    });
    expect(await live()).toEqual({ commit: c2.sha, imageId: image, launchTemplateVersion: 2 });
  });

  it('deploy with a new image: bakes, rolls v3, replaces both instances, which get the new revision', async () => {
    const { image } = await firstDeploy();
    repo.recipe('#!/bin/sh\necho node 24\npoweroff\n');
    const c2 = repo.commit('c2 with a new image');
    const run = await pipeline.deploy(c2);
    expect(run.error).toBeUndefined();
    const newImage = run.release!.imageId!;
    expect(newImage).not.toBe(image);
    expect(await stack()).toEqual({
      commits: [c2.sha],
      images: [newImage],
      defaultVersion: 3,
      pinnedVersion: '3',
      healthy: true,
    });
    expect(await live()).toEqual({ commit: c2.sha, imageId: newImage, launchTemplateVersion: 3 });
  });
});

describe('the smoke test', () => {
  it('looks again when ELB cannot say target health (HealthUnavailableException), instead of failing the release', async () => {
    await firstDeploy();
    world.faults.set(
      'DescribeTargetHealth',
      new HealthUnavailableException({
        message: 'Health checks are unavailable',
        $metadata: { httpStatusCode: 500 },
      }),
    );
    const c2 = repo.commit('c2');
    const run = await pipeline.deploy(c2);
    expect(run.error).toBeUndefined();
    expect(world.faults.size).toBe(0);
    expect(pipeline.lines.some((l) => l.includes('smoke') && l.includes('commit'))).toBe(true);
    expect((await stack()).commits).toEqual([c2.sha]);
  });
});

describe('a failure at each stage, then the next deploy', () => {
  async function thenTheNextDeployConverges(image: string) {
    const c3 = repo.commit('c3');
    const next = await pipeline.deploy(c3);
    expect(next.error, pipeline.lines.slice(-20).join('\n')).toBeUndefined();
    const s = await stack();
    expect(s).toMatchObject({ commits: [c3.sha], defaultVersion: Number(s.pinnedVersion), healthy: true });
    expect(s.images).toEqual([image]);
    expect(await live()).toMatchObject({ commit: c3.sha, imageId: image });
    return s;
  }

  it('app: CodeDeploy fails and rolls itself back; the pipeline finds c1 live; the next deploy goes out', async () => {
    const { c1, image } = await firstDeploy();
    const instance = (await world.instances())[0]!.id;
    world.codeDeploySim.script(VALIDATE_SERVICE_FAILS(instance));
    const run = await pipeline.deploy(repo.commit('c2'));
    expect(run.error).toBeDefined();
    expect(failure(run.release)).toEqual(['app failed']);
    expect(run.release).toMatchObject({ outcome: 'failed', rollback: 'succeeded' });
    expect(run.release!.stages.map((s) => s.name)).toContain('rollback: smoke');
    expect(await stack()).toEqual({
      commits: [c1.sha],
      images: [image],
      defaultVersion: 2,
      pinnedVersion: '2',
      healthy: true,
    });
    expect(await live()).toEqual({ commit: c1.sha, imageId: image, launchTemplateVersion: 2 });
    await thenTheNextDeployConverges(image);
  });

  it('bake: the builder dies; c2 is rolled back to c1; the next deploy bakes and converges', async () => {
    const { c1, image } = await firstDeploy();
    repo.recipe('#!/bin/sh\necho broken\npoweroff\n');
    world.failBuilders = true;
    const run = await pipeline.deploy(repo.commit('c2'));
    expect(failure(run.release)).toEqual(['bake failed']);
    expect(run.release).toMatchObject({ outcome: 'failed', rollback: 'succeeded' });
    expect(await stack()).toEqual({
      commits: [c1.sha],
      images: [image],
      defaultVersion: 2,
      pinnedVersion: '2',
      healthy: true,
    });
    world.failBuilders = false;
    const next = await pipeline.deploy(repo.commit('c3'));
    expect(next.error).toBeUndefined();
    const s = await stack();
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
    const { c1, image } = await firstDeploy();
    repo.recipe('#!/bin/sh\necho new\npoweroff\n');
    world.faults.set(
      'CreateLaunchTemplateVersion',
      Object.assign(new Error('Rate exceeded, gave up'), { name: 'InternalError' }),
    );
    const run = await pipeline.deploy(repo.commit('c2'));
    expect(failure(run.release)).toEqual(['roll failed']);
    expect(run.release).toMatchObject({ outcome: 'failed', rollback: 'succeeded' });
    expect(await stack()).toEqual({
      commits: [c1.sha],
      images: [image],
      defaultVersion: 2,
      pinnedVersion: '2',
      healthy: true,
    });
    const baked = run.release!.imageId!;
    const s = await thenTheNextDeployConverges(baked);
    expect(s.pinnedVersion).toBe('3');
  });

  it('refresh: AWS rolls the refresh back; default back to v2; the next deploy refreshes onto the image that already exists', async () => {
    const { c1, image } = await firstDeploy();
    repo.recipe('#!/bin/sh\necho new\npoweroff\n');
    world.autoScalingSim.script({
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
    const run = await pipeline.deploy(repo.commit('c2'));
    expect(failure(run.release)).toEqual(['refresh failed']);
    expect(run.release).toMatchObject({ outcome: 'failed', rollback: 'succeeded' });
    expect(await stack()).toEqual({
      commits: [c1.sha],
      images: [image],
      defaultVersion: 2,
      pinnedVersion: '2',
      healthy: true,
    });
    // Issue 9, defect 1: the image exists now (cache hit) and v3 already carries it; the group still converges.
    const baked = run.release!.imageId!;
    const s = await thenTheNextDeployConverges(baked);
    expect(s.pinnedVersion).toBe('3');
    const last = (await pipeline.record()).releases[0]!;
    expect(last.stages.find((s) => s.name === 'roll')?.detail).toContain('an existing version');
  });

  it('smoke: c2 never passes the ALB health check; rolled back to c1; the next deploy goes out', async () => {
    const { c1, image } = await firstDeploy();
    const c2 = repo.commit('c2');
    world.unhealthyCommits.add(c2.sha);
    const run = await pipeline.deploy(c2);
    expect(failure(run.release)).toEqual(['smoke timed-out']);
    expect(run.release).toMatchObject({ outcome: 'timed-out', rollback: 'succeeded' });
    expect(await stack()).toEqual({
      commits: [c1.sha],
      images: [image],
      defaultVersion: 2,
      pinnedVersion: '2',
      healthy: true,
    });
    await thenTheNextDeployConverges(image);
  });
});

describe('a cancel at each stage: the recover step rolls back', () => {
  // The runner cancels a second (simulated) after the stage starts: inside its first wait.
  it.each(['app', 'bake', 'refresh'])(
    '%s: the run records the cancel, the recover step puts c1 and its image back',
    async (stage) => {
      const expected = `${stage} cancelled`;
      const { c1, image } = await firstDeploy();
      repo.recipe('#!/bin/sh\necho new\npoweroff\n');
      const run = await pipeline.deploy(repo.commit('c2'), { cancelInStage: stage });
      expect(failure(run.release), pipeline.lines.slice(-15).join('\n')).toEqual([expected]);
      expect(run.release).toMatchObject({ outcome: 'cancelled' });
      expect(run.release!.rollback).toBeUndefined();
      const recovered = await pipeline.recover(run.id);
      expect(recovered, pipeline.lines.slice(-15).join('\n')).toMatchObject({
        outcome: 'cancelled',
        rollback: 'succeeded',
      });
      expect(await stack()).toEqual({
        commits: [c1.sha],
        images: [image],
        defaultVersion: 2,
        pinnedVersion: '2',
        healthy: true,
      });
      expect(await live()).toEqual({ commit: c1.sha, imageId: image, launchTemplateVersion: 2 });
    },
  );

  it('smoke: the recover step restores c1 and starts the refresh back, which AWS finishes after the job', async () => {
    const { c1, image } = await firstDeploy();
    repo.recipe('#!/bin/sh\necho new\npoweroff\n');
    const run = await pipeline.deploy(repo.commit('c2'), { cancelInStage: 'smoke' });
    expect(failure(run.release)).toEqual(['smoke cancelled']);
    const recovered = await pipeline.recover(run.id);
    // A redeploy and a refresh do not fit in the five minutes GitHub gives a cancelled job: the
    // refresh is left running in AWS (never stopped half-way) and the record says so.
    expect(recovered).toMatchObject({ outcome: 'cancelled', rollback: 'left-running' });
    expect(failure(recovered)).toEqual(['smoke cancelled', 'rollback: refresh left-running']);
    expect((await stack()).commits).toEqual([c1.sha]);
    await world.clock.sleep(10 * 60_000);
    expect(await stack()).toEqual({
      commits: [c1.sha],
      images: [image],
      defaultVersion: 2,
      pinnedVersion: '2',
      healthy: true,
    });
    // The next deploy starts from there and converges.
    const next = await pipeline.deploy(repo.commit('c3'));
    expect(next.error).toBeUndefined();
    expect((await stack()).commits).toEqual([next.release!.commit]);
  });
});

describe('a timeout', () => {
  it('a refresh that never ends is rolled back by AWS at the stage budget; the pipeline restores c1 inside the job', async () => {
    const { c1, image } = await firstDeploy();
    repo.recipe('#!/bin/sh\necho new\npoweroff\n');
    world.autoScalingSim.script({
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
    const started = world.clock.now();
    const run = await pipeline.deploy(repo.commit('c2'));
    expect(failure(run.release)).toEqual(['refresh timed-out']);
    expect(run.release).toMatchObject({ outcome: 'timed-out', rollback: 'succeeded' });
    expect(await stack()).toEqual({
      commits: [c1.sha],
      images: [image],
      defaultVersion: 2,
      pinnedVersion: '2',
      healthy: true,
    });
    // Everything, rollback included, ended inside the job's limit.
    expect(world.clock.now() - started).toBeLessThan(350 * 60_000);
  });
});

describe('rollbacks', () => {
  it('`rollback previous` twice goes back two releases, never back and forth', async () => {
    const { c1, image } = await firstDeploy();
    const c2 = repo.commit('c2');
    expect((await pipeline.deploy(c2)).error).toBeUndefined();
    const c3 = repo.commit('c3');
    expect((await pipeline.deploy(c3)).error).toBeUndefined();

    const first = await pipeline.rollback('previous');
    expect(first.error).toBeUndefined();
    expect(await stack()).toMatchObject({ commits: [c2.sha], images: [image] });
    expect(await live()).toMatchObject({ commit: c2.sha });

    const second = await pipeline.rollback('previous');
    expect(second.error).toBeUndefined();
    expect(await stack()).toMatchObject({ commits: [c1.sha], images: [image] });
    expect(await live()).toMatchObject({ commit: c1.sha });
    const record = await pipeline.record();
    expect(record.releases.filter((r) => r.rejected).map((r) => r.commit)).toEqual([c2.sha, c3.sha, c2.sha]);

    const third = await pipeline.rollback('previous');
    expect(third.error).toBeInstanceOf(RefusedError);
    expect(await stack()).toMatchObject({ commits: [c1.sha] });
  });

  it('rolls back the image too: the previous release’s version and image', async () => {
    const { c1, image } = await firstDeploy();
    repo.recipe('#!/bin/sh\necho node 24\npoweroff\n');
    const c2 = repo.commit('c2');
    expect((await pipeline.deploy(c2)).error).toBeUndefined();
    const back = await pipeline.rollback('previous');
    expect(back.error).toBeUndefined();
    expect(await stack()).toEqual({
      commits: [c1.sha],
      images: [image],
      defaultVersion: 2,
      pinnedVersion: '2',
      healthy: true,
    });
  });
});

describe('revisions the bucket may delete', () => {
  it('are tagged for the lifecycle once they fall outside the kept releases; the live and the target revision never are', async () => {
    pipeline.keepReleases = 2;
    const { c1 } = await firstDeploy();
    const runs = [
      await pipeline.deploy(repo.commit('c2')),
      await pipeline.deploy(repo.commit('c3')),
      await pipeline.deploy(repo.commit('c4')),
    ];
    for (const run of runs) expect(run.error).toBeUndefined();
    const revisionOf = async (sha: string) =>
      (await pipeline.record()).releases.find((r) => r.commit === sha)!.revision!;
    const tags = async (url: string) => {
      const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(url)!;
      return (await world.clients.s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }))).TagSet;
    };
    expect(await tags(await revisionOf(c1.sha))).toEqual([{ Key: 'dealership:revision', Value: 'pruned' }]);
    expect(await tags(runs[0]!.release!.revision!)).toEqual([
      { Key: 'dealership:revision', Value: 'pruned' },
    ]);
    expect(await tags(runs[1]!.release!.revision!)).toEqual([]);
    expect(await tags(runs[2]!.release!.revision!)).toEqual([]);
    expect(runs[2]!.release!.stages.at(-1)).toMatchObject({ name: 'prune revisions', outcome: 'succeeded' });
    // A rollback to c3 keeps working: its revision is still there.
    expect((await pipeline.rollback('previous')).error).toBeUndefined();
    expect(await stack()).toMatchObject({ commits: [runs[1]!.release!.commit] });
  });
});

describe('order', () => {
  it('an older commit after a newer one is refused before anything changes', async () => {
    const { c1 } = await firstDeploy();
    const c2 = repo.commit('c2');
    expect((await pipeline.deploy(c2)).error).toBeUndefined();
    const before = await pipeline.record();
    const again = await pipeline.deploy(c1);
    expect(again.error).toBeInstanceOf(RefusedError);
    expect(String(again.error)).toContain('is older than the live release');
    expect(await stack()).toMatchObject({ commits: [c2.sha] });
    expect(await pipeline.record()).toEqual(before);
  });

  it('a superseded run never overwrites a newer release', async () => {
    await firstDeploy();
    const c2 = repo.commit('c2');
    const c3 = repo.commit('c3');
    // Run A (c2) is still going when run B (c3) starts — a runner that lost contact, say. A's
    // deployment is slow, so B claims the record while A waits for it.
    world.codeDeploySim.script({ eventSeconds: 120 });
    const a = pipeline.deploy(c2);
    while ((await pipeline.record()).releases[0]?.commit !== c2.sha) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const b = pipeline.deploy(c3);
    const [ranA, ranB] = await Promise.all([a, b]);
    expect(ranA.error).toBeInstanceOf(RecordConflictError);
    expect(ranB.error).toBeUndefined();
    expect(await live()).toMatchObject({ commit: c3.sha });
    expect(await stack()).toMatchObject({ commits: [c3.sha] });
    const record = await pipeline.record();
    expect(record.releases.find((r) => r.id === ranA.id)?.outcome).toBe('interrupted');
  });
});

describe('the plan of a pull request', () => {
  async function plan() {
    const c = pipeline.config;
    const result = await gatherPlan(world.clients, {
      base: c.bake.base,
      provisionScript: c.bake.provisionScript,
      recipePaths: c.bake.recipePaths,
      workspace: repo.dir,
      autoScalingGroup: world.group,
      launchTemplate: c.launchTemplate,
      application: world.application,
      deploymentGroup: world.deploymentGroup,
      revisionBucket: world.bucket,
      environment: 'production',
      appspecPath: REPO_APPSPEC,
    });
    if (!result.release.seen) throw new Error(result.release.reason);
    return { ...result.release.value, markdown: renderPlan(result, { commit: 'f'.repeat(40) }) };
  }

  it('finds no drift after a clean deploy, and says an app-only merge changes the revision only', async () => {
    const { image } = await firstDeploy();
    const view = await plan();
    expect(view.drift).toEqual([]);
    expect(view.changes).toEqual([
      expect.stringMatching(/^revision: s3:\/\/.+ → this commit's, in place on 2 instances, one at a time$/),
      `image: unchanged (${image}, v2)`,
      'group: no refresh — every instance already runs the image',
      'smoke test: /version serves this commit and 2 healthy target(s)',
    ]);
    expect(view.expected).toMatch(/^≈ \d+m\d+s \(at most/);
    expect(view.markdown).toContain('#### What a merge would change');
  });

  it('shows drift between the record, the template, the group, its instances and CodeDeploy, and what a merge would converge', async () => {
    const { image } = await firstDeploy();
    // A refresh back to v1 that somebody cancelled half-way: one instance on the stock image, the
    // default moved by hand, and a deployment made outside the pipeline.
    world.autoScalingSim.script({
      steps: [
        { afterSeconds: 0, status: 'Pending' },
        { afterSeconds: 30, status: 'Cancelled', percentage: 50 },
      ],
    });
    await world.clients.autoScaling.send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: world.group,
        DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: world.launchTemplateId, Version: '1' } },
        Preferences: { SkipMatching: true },
      }),
    );
    await world.clock.sleep(60_000);
    await world.clients.ec2.send(
      new ModifyLaunchTemplateCommand({ LaunchTemplateId: world.launchTemplateId, DefaultVersion: '1' }),
    );
    const view = await plan();
    expect(view.drift).toEqual([
      "the launch template's default is v1, the group is pinned to v2",
      // moto reports every instance as launched from the template's default version (its
      // InstanceState.launch_template); AWS would say "1 instance launched from v1" here.
      '2 instances launched from v1, not the pinned v2',
      `1 instance run ${world.stockImageId}, not v2's ${image} (a refresh that ended Cancelled or Failed?)`,
    ]);
    expect(view.changes).toContain('launch template default: v1 → v2');
    expect(view.changes).toContain(
      'group: instance refresh of 1 instance (launch before terminate, auto-rollback)',
    );
    // And a merge does converge it.
    const c2 = repo.commit('c2');
    expect((await pipeline.deploy(c2)).error).toBeUndefined();
    expect(await stack()).toEqual({
      commits: [c2.sha],
      images: [image],
      defaultVersion: 2,
      pinnedVersion: '2',
      healthy: true,
    });
    expect((await plan()).drift).toEqual([]);
  });
});

describe('a rollback while a push arrives', () => {
  it('the push does not take the queued rollback’s place: the gate keeps it out of the group; the rollback runs next', async () => {
    const { c1 } = await firstDeploy();
    const c2 = repo.commit('c2');
    const group = new ConcurrencyGroup('deploy-production');
    const runs: RunsApi = { list: async (workflow, status) => group.list(workflow, status) };

    // A push deploys c2; while it runs, somebody asks for a rollback (it waits in the group).
    const deploying = group.queue('deploy.yml', 'deploy');
    const rollback = group.queue(ROLLBACK_WORKFLOW, 'rollback production to previous');
    expect(rollback.state).toBe('pending');
    expect((await pipeline.deploy(c2)).error).toBeUndefined();

    // Another push arrives before the deploy ends: the gate sees the rollback and does not queue.
    const c3 = repo.commit('c3');
    expect(await unfinishedRollbacks(runs, 'production')).toEqual([
      expect.objectContaining({ id: rollback.id }),
    ]);
    // (Without the gate it would have been queued, and GitHub would have cancelled the rollback:)
    const counterfactual = new ConcurrencyGroup('deploy-production');
    counterfactual.queue('deploy.yml', 'deploy');
    const lost = counterfactual.queue(ROLLBACK_WORKFLOW, 'rollback production to previous');
    counterfactual.queue('deploy.yml', 'deploy');
    expect(lost.state).toBe('cancelled');

    group.finish(deploying);
    expect(group.running?.id).toBe(rollback.id);
    const back = await pipeline.rollback('previous');
    expect(back.error).toBeUndefined();
    group.finish(rollback);
    expect(rollback.state).toBe('completed');
    expect(await stack()).toMatchObject({ commits: [c1.sha] });
    expect(await live()).toMatchObject({ commit: c1.sha });

    // The next push, with no rollback waiting, deploys.
    expect(await unfinishedRollbacks(runs, 'production')).toEqual([]);
    expect((await pipeline.deploy(c3)).error).toBeUndefined();
    expect(await stack()).toMatchObject({ commits: [c3.sha] });
  });
});

describe('bootstrap: from an empty account to a serving stack (docs/operations.md, Bootstrap)', () => {
  let empty: World;
  let boot: Pipeline;
  beforeEach(async () => {
    worlds += 1;
    // Step 1: the stack on a stock image, MinSize=0, HealthCheckType=EC2.
    empty = new World({
      moto,
      clock: new FakeClock(),
      instances: 0,
      healthCheckType: 'EC2',
      group: `boot-${worlds}`,
      bucket: `boot-revisions-${worlds}`,
      stockImageId,
    });
    await empty.create();
    boot = new Pipeline(empty, repo);
  });
  afterEach(async () => {
    await empty.close();
  });
  const state = async () => {
    const s = await empty.state();
    return {
      instances: s.instances.length,
      commits: s.commits,
      images: s.images,
      pinnedVersion: s.pinnedVersion,
      defaultVersion: s.defaultVersion,
      healthy: s.instances.every((i) => i.healthy),
    };
  };

  it('bakes and rolls at capacity 0, deploys to the first instance under EC2 checks, then ELB checks and the real minimum', async () => {
    expect(await state()).toEqual({
      instances: 0,
      commits: [],
      images: [],
      pinnedVersion: '1',
      defaultVersion: 1,
      healthy: true,
    });

    // Step 4: the first deploy, into the empty group — no CodeDeploy deployment (it would end
    // NO_INSTANCES); the revision is uploaded and recorded, the image baked, the group pinned to it.
    const c1 = repo.commit('c1');
    const first = await boot.deploy(c1);
    expect(first.error, boot.lines.slice(-10).join('\n')).toBeUndefined();
    expect(first.release!.stages.map((s) => `${s.name} ${s.outcome}`)).toEqual([
      'app skipped',
      'bake succeeded',
      'roll succeeded',
      'refresh succeeded',
      'smoke skipped',
      'prune revisions skipped',
    ]);
    expect(first.release).toMatchObject({
      outcome: 'succeeded',
      noInstances: true,
      launchTemplateVersion: 2,
    });
    expect(first.release!.revision).toMatch(/^s3:\/\/boot-revisions-\d+\/revisions\/[0-9a-f]{64}\.zip$/);
    const image = first.release!.imageId!;
    expect(await state()).toEqual({
      instances: 0,
      commits: [],
      images: [],
      pinnedVersion: '2',
      defaultVersion: 2,
      healthy: true,
    });
    expect(empty.codeDeploySim.deployments).toHaveLength(0);

    // Step 5: MinSize=1 on the baked image, still EC2 health checks: one instance, no revision yet.
    await empty.stackUpdate({ imageId: image, min: 1 });
    expect(await state()).toEqual({
      instances: 1,
      commits: ['none'],
      images: [image],
      pinnedVersion: '3',
      defaultVersion: 3,
      healthy: false,
    });
    await empty.clock.sleep(15 * 60_000); // EC2 health checks: the instance is not replaced meanwhile
    expect((await state()).instances).toBe(1);

    // Step 6: deploy again (workflow_dispatch): the revision reaches the instance; the smoke test
    // passes with 1 healthy target for a desired capacity of 1.
    const second = await boot.deploy(c1);
    expect(second.error, boot.lines.slice(-10).join('\n')).toBeUndefined();
    expect(second.release!.stages.map((s) => `${s.name} ${s.outcome}`)).toEqual([
      'app succeeded',
      'bake succeeded',
      'roll succeeded',
      'refresh skipped',
      'smoke succeeded',
      'prune revisions skipped',
    ]);
    expect(await state()).toEqual({
      instances: 1,
      commits: [c1.sha],
      images: [image],
      pinnedVersion: '3',
      defaultVersion: 3,
      healthy: true,
    });

    // Step 7: HealthCheckType=ELB and the real minimum: the new instance gets the last good revision.
    await empty.stackUpdate({ imageId: image, min: 2, healthCheckType: 'ELB' });
    await empty.clock.sleep(10 * 60_000);
    expect(await state()).toEqual({
      instances: 2,
      commits: [c1.sha],
      images: [image],
      pinnedVersion: '4',
      defaultVersion: 4,
      healthy: true,
    });

    // From here a push deploys as usual.
    const c2 = repo.commit('c2');
    expect((await boot.deploy(c2)).error).toBeUndefined();
    expect(await state()).toMatchObject({ instances: 2, commits: [c2.sha], healthy: true });
  });

  it('a failed bake in the first deploy changes nothing, and says there was nothing to roll back to', async () => {
    empty.failBuilders = true;
    const run = await boot.deploy(repo.commit('c1'));
    expect(run.error).toBeDefined();
    expect(failure(run.release)).toEqual(['bake failed']);
    expect(run.release).toMatchObject({ outcome: 'failed', rollback: 'not-possible' });
    expect(await state()).toEqual({
      instances: 0,
      commits: [],
      images: [],
      pinnedVersion: '1',
      defaultVersion: 1,
      healthy: true,
    });
  });

  it('ELB health checks before a first good revision: instances are replaced in a loop, and the deploy refuses, saying what to do', async () => {
    const c1 = repo.commit('c1');
    expect((await boot.deploy(c1)).error).toBeUndefined();
    const image = (await boot.record()).releases[0]!.imageId!;
    await empty.stackUpdate({ imageId: image, min: 1, healthCheckType: 'ELB' });
    const before = (await empty.instances())[0]!.id;
    await empty.clock.sleep(6 * 60_000);
    const after = (await empty.instances())[0]!.id;
    expect(after).not.toBe(before); // replaced: it never passed the target group's health check
    const run = await boot.deploy(c1);
    expect(run.error).toBeInstanceOf(RefusedError);
    expect(String(run.error)).toContain('HealthCheckType=EC2 until the first deploy has succeeded');
  });
});
