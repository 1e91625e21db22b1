/**
 * The built bake-ami as the runner runs it, against a real moto server. The test stands in for the
 * provision script: when the builder is running it powers it off through the EC2 API.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateLaunchTemplateCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { type MotoServer, startMoto } from '@dealership/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromAwsTags } from '../../lib/index.js';
import { serveMotoAsAws } from '../../sim/moto-proxy.js';
import { type ActionRun, startBuiltAction } from '../../test-support/run-action.js';

let moto: MotoServer;
let ec2: EC2Client;
let baseImageId: string;
const COMMIT = 'feedface'.padEnd(40, '0');

beforeAll(async () => {
  // moto does not implement CreateImage's snapshot tags; the proxy does what the EC2 API reference says.
  moto = await startMoto({ front: serveMotoAsAws });
  ec2 = new EC2Client(moto.clientConfig);
  const images = await ec2.send(new DescribeImagesCommand({}));
  baseImageId = images.Images!.map((image) => image.ImageId!).find((id) => /^ami-[0-9a-f]{8,17}$/.test(id))!;
});
afterAll(async () => {
  ec2?.destroy();
  await moto?.stop();
});

const root = mkdtempSync(join(tmpdir(), 'bake-e2e-'));
mkdirSync(join(root, 'deploy/image'), { recursive: true });
writeFileSync(join(root, 'deploy/image/provision.sh'), '#!/bin/sh\nset -eu\necho provisioning\npoweroff\n');
const setRecipe = (content: string) => writeFileSync(join(root, 'deploy/image/versions.env'), content);

async function builders(state: string) {
  const result = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        { Name: 'tag:dealership:role', Values: ['builder'] },
        { Name: 'instance-state-name', Values: [state] },
      ],
    }),
  );
  return (result.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []);
}

/** Starts the built action with the e2e defaults. */
function startBake(inputs: Record<string, string> = {}) {
  return startBuiltAction('bake-ami', {
    cwd: root,
    env: { ...moto.env, GITHUB_WORKSPACE: root, GITHUB_SHA: COMMIT },
    inputs: {
      'base-image': baseImageId,
      'provision-script': 'deploy/image/provision.sh',
      'recipe-paths': 'deploy/image/versions.env',
      'name-prefix': 'dealership-e2e',
      tags: 'team=platform',
      'keep-images': '1',
      'poll-seconds': '1',
      'timeout-minutes': '2',
      ...inputs,
    },
  });
}

/** Runs the action; meanwhile powers off any running builder, as the provision script would. */
async function bakeOnce(): Promise<ActionRun> {
  const started = startBake();
  let finished = false;
  const stopper = (async () => {
    while (!finished) {
      const running = await builders('running');
      if (running.length > 0) {
        await ec2.send(
          new StopInstancesCommand({ InstanceIds: running.map((instance) => instance.InstanceId!) }),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  const run = await started.result;
  finished = true;
  await stopper;
  if (run.code !== 0) throw new Error(`bake-ami failed (${run.code}):\n${run.stdout}\n${run.stderr}`);
  return run;
}

async function imageTags(imageId: string) {
  const result = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
  return { image: result.Images?.[0], tags: fromAwsTags(result.Images?.[0]?.Tags) };
}

async function availableImageIds() {
  const result = await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }));
  return (result.Images ?? []).map((image) => image.ImageId!).sort();
}

describe('bake-ami against moto', () => {
  let firstImage: string;

  it('bakes an image from a builder, tags image and snapshots, and terminates the builder', async () => {
    setRecipe('NODE_MAJOR=24\n');
    const run = await bakeOnce();
    expect(run.outputs['cache-hit']).toBe('false');
    expect(run.outputs['recipe-hash']).toMatch(/^[0-9a-f]{64}$/);
    firstImage = run.outputs['image-id']!;
    expect(firstImage).toMatch(/^ami-/);

    const { image, tags } = await imageTags(firstImage);
    expect(image?.State).toBe('available');
    expect(tags).toMatchObject({
      'dealership:recipe-hash': run.outputs['recipe-hash'],
      'dealership:commit': COMMIT,
      Name: run.outputs['image-name'],
      team: 'platform',
    });
    const snapshotIds = (image?.BlockDeviceMappings ?? []).flatMap((m) =>
      m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : [],
    );
    expect(snapshotIds.length).toBeGreaterThan(0);
    const snapshots = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: snapshotIds }));
    for (const snapshot of snapshots.Snapshots ?? []) {
      expect(fromAwsTags(snapshot.Tags)['dealership:recipe-hash']).toBe(run.outputs['recipe-hash']);
    }

    const terminated = await builders('terminated');
    expect(terminated.map((instance) => instance.InstanceId)).toEqual([run.outputs['builder-instance-id']]);
    expect(run.summary).toContain('AMI baked');
    expect(run.stdout).toContain(`Terminated builder ${run.outputs['builder-instance-id']}`);
  });

  it('reuses the image on a second run with the same recipe, launching no builder', async () => {
    const run = await bakeOnce();
    expect(run.outputs).toMatchObject({
      'cache-hit': 'true',
      'image-id': firstImage,
      'builder-instance-id': '',
    });
    expect(await builders('terminated')).toHaveLength(1);
    expect(run.summary).toContain('AMI reused (cache hit)');
  });

  it('deregisters images beyond keep-images, but not one a launch template names', async () => {
    await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'bake-e2e',
        LaunchTemplateData: { ImageId: firstImage, InstanceType: 't3.small' },
      }),
    );
    setRecipe('NODE_MAJOR=25\n');
    const second = await bakeOnce();
    expect(second.outputs['cache-hit']).toBe('false');
    expect(second.outputs['deregistered-images']).toBe('');
    expect(second.stdout).toContain(`Retention: kept ${firstImage}, a launch template version names it.`);

    await new Promise((resolve) => setTimeout(resolve, 1100)); // creation dates have one-second resolution
    setRecipe('NODE_MAJOR=26\n');
    const third = await bakeOnce();
    expect(third.outputs['deregistered-images']).toBe(second.outputs['image-id']);
    expect(await availableImageIds()).toEqual([firstImage, third.outputs['image-id']].sort());
  });

  it('terminates the builder when the runner cancels the step with SIGINT', async () => {
    setRecipe('NODE_MAJOR=27\n');
    const started = startBake({ 'keep-images': '0' });
    let builder: string | undefined;
    while (builder === undefined) {
      builder = (await builders('running'))[0]?.InstanceId;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    started.child.kill('SIGINT');
    const run = await started.result;
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('::warning::Received SIGINT');
    expect(run.stdout).toContain(`Terminated builder ${builder}`);
    expect((await builders('terminated')).map((instance) => instance.InstanceId)).toContain(builder);
    expect(run.outputs['builder-instance-id']).toBe(builder);
  });

  it('fails with exit code 1 naming the input when the base image is not an AMI id', async () => {
    const started = startBuiltAction('bake-ami', {
      cwd: root,
      env: { ...moto.env, GITHUB_WORKSPACE: root },
      inputs: { 'base-image': 'debian-12', 'provision-script': 'deploy/image/provision.sh' },
    });
    const run = await started.result;
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      '::error::Input "base-image" must be an AMI id (ami-…) or resolve:ssm:/parameter/path; got "debian-12".',
    );
    expect(run.outputs['cache-hit']).toBe('false');
  });
});
