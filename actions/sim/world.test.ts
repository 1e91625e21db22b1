/** The world's rules, each on its own (the release's scenarios use them in sequences). */
import { StartInstanceRefreshCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateDeploymentCommand } from '@aws-sdk/client-codedeploy';
import {
  CreateLaunchTemplateVersionCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeImagesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { type MotoServer, startMoto } from '@dealership/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../codedeploy-deploy/src/bundle.js';
import { Repository } from '../test-support/release-pipeline.js';
import { FakeClock } from './clock.js';
import { ConcurrencyGroup } from './github-concurrency.js';
import { stockImage, World } from './world.js';

let moto: MotoServer;
let stock: string;
let n = 0;
const worlds: World[] = [];

beforeAll(async () => {
  moto = await startMoto();
  const ec2 = new EC2Client(moto.clientConfig);
  stock = await stockImage(ec2);
  ec2.destroy();
});
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.close();
});
afterAll(async () => {
  await moto?.stop();
});

async function world(instances = 2, healthCheckType: 'EC2' | 'ELB' = 'EC2') {
  n += 1;
  const w = new World({
    moto,
    clock: new FakeClock(),
    instances,
    healthCheckType,
    group: `w-${n}`,
    bucket: `world-${n}`,
    stockImageId: stock,
  });
  await w.create();
  worlds.push(w);
  return w;
}

async function versionWithNewImage(w: World): Promise<{ version: string; image: string }> {
  const image = (await w.clients.ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], MaxResults: 5 })))
    .Images!.map((i) => i.ImageId!)
    .find((id) => id !== stock)!;
  const created = await w.clients.ec2.send(
    new CreateLaunchTemplateVersionCommand({
      LaunchTemplateId: w.launchTemplateId,
      SourceVersion: '1',
      LaunchTemplateData: { ImageId: image },
    }),
  );
  return { version: String(created.LaunchTemplateVersion!.VersionNumber), image };
}

const refresh = (w: World, version: string) =>
  w.clients.autoScaling.send(
    new StartInstanceRefreshCommand({
      AutoScalingGroupName: w.group,
      DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: w.launchTemplateId, Version: version } },
      Preferences: { SkipMatching: true, AutoRollback: true },
    }),
  );

describe('the world', () => {
  it('a Successful refresh pins the group to the desired version and replaces every instance that does not match it', async () => {
    const w = await world();
    const { version, image } = await versionWithNewImage(w);
    await refresh(w, version);
    await w.clock.sleep(299_000);
    expect((await w.state()).images).toEqual([stock]);
    await w.clock.sleep(2_000);
    expect(await w.state()).toMatchObject({ pinnedVersion: version, images: [image] });
  });

  it('a refresh Cancelled half-way keeps the group’s version and the instances it replaced', async () => {
    const w = await world();
    const { version, image } = await versionWithNewImage(w);
    w.autoScalingSim.script({
      steps: [
        { afterSeconds: 0, status: 'InProgress' },
        { afterSeconds: 60, status: 'Cancelled', percentage: 50 },
      ],
    });
    await refresh(w, version);
    await w.clock.sleep(61_000);
    const s = await w.state();
    expect(s.pinnedVersion).toBe('1');
    expect(s.instances.map((i) => i.imageId).sort()).toEqual([image, stock].sort());
  });

  it('an instance serves the revision its last Install put there; a new one gets the last successful revision; none before the first', async () => {
    const w = await world(1);
    expect((await w.instances())[0]).toMatchObject({
      revision: undefined,
      commit: undefined,
      healthy: false,
    });
    const change = new Repository().commit('c1');
    const bundle = await loadBundle(change.bundle);
    await w.clients.s3.send(new PutObjectCommand({ Bucket: w.bucket, Key: 'r1.zip', Body: bundle.zip }));
    const revision = {
      revisionType: 'S3' as const,
      s3Location: { bucket: w.bucket, key: 'r1.zip', bundleType: 'zip' as const },
    };
    await w.clients.codeDeploy.send(
      new CreateDeploymentCommand({
        applicationName: w.application,
        deploymentGroupName: w.deploymentGroup,
        revision,
      }),
    );
    await w.clock.sleep(10 * 60_000);
    expect((await w.instances())[0]).toMatchObject({
      revision: `s3://${w.bucket}/r1.zip`,
      commit: change.sha,
      healthy: true,
    });
    await w.updateGroup({ min: 2, desired: 2 });
    expect((await w.instances()).map((i) => i.revision)).toEqual([
      `s3://${w.bucket}/r1.zip`,
      `s3://${w.bucket}/r1.zip`,
    ]);
  });

  it('under ELB health checks an instance that never passes is replaced after the grace period; under EC2 checks it stays', async () => {
    const elb = await world(1, 'ELB');
    const first = (await elb.instances())[0]!.id;
    await elb.clock.sleep(299_000);
    expect((await elb.instances())[0]!.id).toBe(first);
    await elb.clock.sleep(2_000);
    expect((await elb.instances())[0]!.id).not.toBe(first);
    const ec2 = await world(1, 'EC2');
    const kept = (await ec2.instances())[0]!.id;
    await ec2.clock.sleep(900_000);
    expect((await ec2.instances())[0]!.id).toBe(kept);
  });
});

describe('the world, for a canary', () => {
  it('a refresh whose last checkpoint is below 100 ends Successful having replaced that share, and pins the group', async () => {
    const w = await world(4);
    const { version, image } = await versionWithNewImage(w);
    await w.clients.autoScaling.send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: w.group,
        DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: w.launchTemplateId, Version: version } },
        Preferences: { SkipMatching: true, AutoRollback: true, CheckpointPercentages: [25] },
      }),
    );
    await w.clock.sleep(151_000);
    const [view] = w.autoScalingSim.refreshes.map((r) => w.autoScalingSim.view(r));
    expect(view).toMatchObject({ Status: 'Successful', PercentageComplete: 25 });
    const s = await w.state();
    expect(s.pinnedVersion).toBe(version);
    expect(s.instances.filter((i) => i.imageId === image)).toHaveLength(1);
    expect(s.instances.filter((i) => i.imageId === stock)).toHaveLength(3);
  });

  it('the canary deployment group holds the group’s instances tagged dealership:canary=true, as tags change', async () => {
    const w = await world(2);
    const [a, other] = (await w.instances()).map((i) => i.id).sort();
    expect(w.canaryInstances).toEqual([]);
    await w.clients.ec2.send(
      new CreateTagsCommand({ Resources: [a!], Tags: [{ Key: 'dealership:canary', Value: 'true' }] }),
    );
    // Only the tagged instance: the group's other one stays out of the canary deployment group.
    expect(w.canaryInstances).toEqual([a]);
    expect(w.canaryInstances).not.toContain(other);
    await w.clients.ec2.send(
      new DeleteTagsCommand({ Resources: [a!], Tags: [{ Key: 'dealership:canary' }] }),
    );
    expect(w.canaryInstances).toEqual([]);
  });

  it('publishes the target group’s figures each minute and evaluates the 5xx alarm on them', async () => {
    const w = await world(1);
    const change = new Repository().commit('c1');
    const bundle = await loadBundle(change.bundle);
    await w.clients.s3.send(new PutObjectCommand({ Bucket: w.bucket, Key: 'r1.zip', Body: bundle.zip }));
    await w.clients.codeDeploy.send(
      new CreateDeploymentCommand({
        applicationName: w.application,
        deploymentGroupName: w.deploymentGroup,
        revision: { revisionType: 'S3', s3Location: { bucket: w.bucket, key: 'r1.zip', bundleType: 'zip' } },
      }),
    );
    await w.clock.sleep(5 * 60_000);
    const states = async () =>
      (
        await w.clients.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: w.alarms }))
      ).MetricAlarms!.map((m) => m.StateValue);
    expect(await states()).toEqual(['OK', 'OK']);
    w.erroringCommits.add(change.sha);
    const from = w.clock.now();
    await w.clock.sleep(60_000);
    // One breaching minute of the two the alarm evaluates: still OK.
    expect(await states()).toEqual(['OK', 'OK']);
    await w.clock.sleep(60_000);
    expect((await states())[0]).toBe('ALARM');
    const lb = w.loadBalancerArn.split(':loadbalancer/')[1]!;
    const tg = w.targetGroupArn.split(':').at(-1)!;
    const { MetricDataResults = [] } = await w.clients.cloudWatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: [
          {
            Id: 'e',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/ApplicationELB',
                MetricName: 'HTTPCode_Target_5XX_Count',
                Dimensions: [
                  { Name: 'LoadBalancer', Value: lb },
                  { Name: 'TargetGroup', Value: tg },
                ],
              },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
        StartTime: new Date(from),
        EndTime: new Date(w.clock.now() + 60_000),
      }),
    );
    expect(MetricDataResults[0]!.Values!.reduce((x, y) => x + y, 0)).toBe(2 * World.REQUESTS_PER_MINUTE);
    w.erroringCommits.clear();
    await w.clock.sleep(60_000);
    expect(await states()).toEqual(['OK', 'OK']);
  });
});

describe('GitHub concurrency groups', () => {
  it('keep one running and one pending job; a newcomer cancels the pending one, never the running one', () => {
    const group = new ConcurrencyGroup('deploy-production');
    const a = group.queue('deploy.yml', 'deploy');
    const b = group.queue('rollback.yml', 'rollback production to previous');
    const c = group.queue('deploy.yml', 'deploy');
    expect([a.state, b.state, c.state]).toEqual(['in_progress', 'cancelled', 'pending']);
    group.finish(a);
    expect(c.state).toBe('in_progress');
    expect(group.list('rollback.yml', 'cancelled')).toEqual([
      { id: b.id, status: 'cancelled', display_title: b.title },
    ]);
  });

  it('cancel the running job only with cancel-in-progress', () => {
    const group = new ConcurrencyGroup('ci');
    const a = group.queue('ci.yml', 'ci');
    const b = group.queue('ci.yml', 'ci', true);
    expect([a.state, b.state]).toEqual(['cancelled', 'in_progress']);
  });
});
