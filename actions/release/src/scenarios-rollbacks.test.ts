/**
 * The release as sequences of runs against moto plus the simulation (actions/sim/world.ts): rollback previous twice, a rollback while a push arrives, the plan's drift, the bootstrap sequence.
 * Each scenario runs the steps the workflows run, in order, and asserts the state after each run: the
 * commit and image every instance serves, the launch template's default, the version the group is
 * pinned to, and the release record. (Three files, so their mocked accounts run side by side.)
 */
import { StartInstanceRefreshCommand } from '@aws-sdk/client-auto-scaling';
import { ModifyLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gatherPlan } from '../../deploy-plan/src/plan.js';
import { renderPlan } from '../../deploy-plan/src/summary.js';
import { FakeClock } from '../../sim/clock.js';
import { ConcurrencyGroup } from '../../sim/github-concurrency.js';
import { World } from '../../sim/world.js';
import { Pipeline, REPO_APPSPEC } from '../../test-support/release-pipeline.js';
import { APP_ONLY_STAGES, failure, stagesOf, useScenarios } from '../../test-support/release-scenarios.js';
import { ROLLBACK_WORKFLOW, type RunsApi, unfinishedRollbacks } from './gate.js';
import { RefusedError } from './release.js';

const kit = useScenarios();

describe('rollbacks', () => {
  it('`rollback previous` twice goes back two releases, never back and forth', async () => {
    const { c1, image } = await kit.firstDeploy();
    const c2 = kit.repo.commit('c2');
    expect((await kit.pipeline.deploy(c2)).error).toBeUndefined();
    const c3 = kit.repo.commit('c3');
    expect((await kit.pipeline.deploy(c3)).error).toBeUndefined();

    const first = await kit.pipeline.rollback('previous');
    expect(first.error).toBeUndefined();
    expect(await kit.stack()).toMatchObject({ commits: [c2.sha], images: [image] });
    expect(await kit.live()).toMatchObject({ commit: c2.sha });

    const second = await kit.pipeline.rollback('previous');
    expect(second.error).toBeUndefined();
    expect(await kit.stack()).toMatchObject({ commits: [c1.sha], images: [image] });
    expect(await kit.live()).toMatchObject({ commit: c1.sha });
    const record = await kit.pipeline.record();
    expect(record.releases.filter((r) => r.rejected).map((r) => r.commit)).toEqual([c2.sha, c3.sha, c2.sha]);

    const third = await kit.pipeline.rollback('previous');
    expect(third.error).toBeInstanceOf(RefusedError);
    expect(await kit.stack()).toMatchObject({ commits: [c1.sha] });
  });

  it('rolls back the image too: the previous release’s version and image', async () => {
    const { c1, image } = await kit.firstDeploy();
    kit.repo.recipe('#!/bin/sh\necho node 24\npoweroff\n');
    const c2 = kit.repo.commit('c2');
    expect((await kit.pipeline.deploy(c2)).error).toBeUndefined();
    const back = await kit.pipeline.rollback('previous');
    expect(back.error).toBeUndefined();
    await kit.expectServing(c1.sha, image);
  });
});

describe('a rollback while a push arrives', () => {
  it('the push does not take the queued rollback’s place: the gate keeps it out of the group; the rollback runs next', async () => {
    const { c1 } = await kit.firstDeploy();
    const c2 = kit.repo.commit('c2');
    const group = new ConcurrencyGroup('deploy-production');
    const runs: RunsApi = { list: async (workflow, status) => group.list(workflow, status) };

    // A push deploys c2; while it runs, somebody asks for a rollback (it waits in the group).
    const deploying = group.queue('deploy.yml', 'deploy');
    const rollback = group.queue(ROLLBACK_WORKFLOW, 'rollback production to previous');
    expect(rollback.state).toBe('pending');
    expect((await kit.pipeline.deploy(c2)).error).toBeUndefined();

    // Another push arrives before the deploy ends: the gate sees the rollback and does not queue.
    const c3 = kit.repo.commit('c3');
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
    const back = await kit.pipeline.rollback('previous');
    expect(back.error).toBeUndefined();
    group.finish(rollback);
    expect(rollback.state).toBe('completed');
    expect(await kit.stack()).toMatchObject({ commits: [c1.sha] });
    expect(await kit.live()).toMatchObject({ commit: c1.sha });

    // The next push, with no rollback waiting, deploys.
    expect(await unfinishedRollbacks(runs, 'production')).toEqual([]);
    expect((await kit.pipeline.deploy(c3)).error).toBeUndefined();
    expect(await kit.stack()).toMatchObject({ commits: [c3.sha] });
  });
});

describe('the plan of a pull request', () => {
  async function plan() {
    const c = kit.pipeline.config;
    const result = await gatherPlan(kit.world.clients, {
      base: c.bake.base,
      provisionScript: c.bake.provisionScript,
      recipePaths: c.bake.recipePaths,
      workspace: kit.repo.dir,
      autoScalingGroup: kit.world.group,
      launchTemplate: c.launchTemplate,
      application: kit.world.application,
      deploymentGroup: kit.world.deploymentGroup,
      revisionBucket: kit.world.bucket,
      environment: 'production',
      appspecPath: REPO_APPSPEC,
    });
    if (!result.release.seen) throw new Error(result.release.reason);
    return { ...result.release.value, markdown: renderPlan(result, { commit: 'f'.repeat(40) }) };
  }

  it('finds no drift after a clean deploy, and says an app-only merge changes the revision only', async () => {
    const { image } = await kit.firstDeploy();
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
    const { image } = await kit.firstDeploy();
    // A refresh back to v1 that somebody cancelled half-way: one instance on the stock image, the
    // default moved by hand, and a deployment made outside the kit.pipeline.
    kit.world.autoScalingSim.script({
      steps: [
        { afterSeconds: 0, status: 'Pending' },
        { afterSeconds: 30, status: 'Cancelled', percentage: 50 },
      ],
    });
    await kit.world.clients.autoScaling.send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: kit.world.group,
        DesiredConfiguration: {
          LaunchTemplate: { LaunchTemplateId: kit.world.launchTemplateId, Version: '1' },
        },
        Preferences: { SkipMatching: true },
      }),
    );
    await kit.world.clock.sleep(60_000);
    await kit.world.clients.ec2.send(
      new ModifyLaunchTemplateCommand({ LaunchTemplateId: kit.world.launchTemplateId, DefaultVersion: '1' }),
    );
    const view = await plan();
    expect(view.drift).toEqual([
      "the launch template's default is v1, the group is pinned to v2",
      // kit.moto reports every instance as launched from the template's default version (its
      // InstanceState.launch_template); AWS would say "1 instance launched from v1" here.
      '2 instances launched from v1, not the pinned v2',
      `1 instance run ${kit.world.stockImageId}, not v2's ${image} (a refresh that ended Cancelled or Failed?)`,
    ]);
    expect(view.changes).toContain('launch template default: v1 → v2');
    expect(view.changes).toContain(
      'group: instance refresh of 1 instance (launch before terminate, auto-rollback)',
    );
    // And a merge does converge it.
    const c2 = kit.repo.commit('c2');
    expect((await kit.pipeline.deploy(c2)).error).toBeUndefined();
    await kit.expectServing(c2.sha, image);
    expect((await plan()).drift).toEqual([]);
  });
});

describe('bootstrap: from an empty account to a serving stack (docs/operations.md, Bootstrap)', () => {
  let empty: World;
  let boot: Pipeline;
  beforeEach(async () => {
    const name = kit.nextName();
    // Step 1: the stack on a stock image, MinSize=0, HealthCheckType=EC2.
    empty = new World({
      moto: kit.moto,
      clock: new FakeClock(),
      instances: 0,
      healthCheckType: 'EC2',
      group: `boot-${name}`,
      bucket: `boot-revisions-${name}`,
      stockImageId: kit.stockImageId,
    });
    await empty.create();
    boot = new Pipeline(empty, kit.repo);
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

  /** The stack before its first release: no instances, nothing baked, the template's first version. */
  const EMPTY_GROUP = {
    instances: 0,
    commits: [],
    images: [],
    pinnedVersion: '1',
    defaultVersion: 1,
    healthy: true,
  };

  it('bakes and rolls at capacity 0, deploys to the first instance under EC2 checks, then ELB checks and the real minimum', async () => {
    expect(await state()).toEqual(EMPTY_GROUP);

    // Step 4: the first deploy, into the empty group — no CodeDeploy deployment (it would end
    // NO_INSTANCES); the revision is uploaded and recorded, the image baked, the group pinned to it.
    const c1 = kit.repo.commit('c1');
    const first = await boot.deploy(c1);
    expect(first.error, boot.lines.slice(-10).join('\n')).toBeUndefined();
    expect(stagesOf(first.release)).toEqual([
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
    expect(first.release!.revision).toMatch(
      /^s3:\/\/boot-revisions-[a-z0-9]+-\d+\/revisions\/[0-9a-f]{64}\.zip$/,
    );
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
    expect(stagesOf(second.release)).toEqual(APP_ONLY_STAGES);
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
    const c2 = kit.repo.commit('c2');
    expect((await boot.deploy(c2)).error).toBeUndefined();
    expect(await state()).toMatchObject({ instances: 2, commits: [c2.sha], healthy: true });
  });

  it('a failed bake in the first deploy changes nothing, and says there was nothing to roll back to', async () => {
    empty.failBuilders = true;
    const run = await boot.deploy(kit.repo.commit('c1'));
    expect(run.error).toBeDefined();
    expect(failure(run.release)).toEqual(['bake failed']);
    expect(run.release).toMatchObject({ outcome: 'failed', rollback: 'not-possible' });
    expect(await state()).toEqual(EMPTY_GROUP);
  });

  it('ELB health checks before a first good revision: instances are replaced in a loop, and the deploy refuses, saying what to do', async () => {
    const c1 = kit.repo.commit('c1');
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
