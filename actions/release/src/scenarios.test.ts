/**
 * The release as a sequence of runs against moto plus the simulation (actions/sim/world.ts): each
 * scenario runs the steps the workflows run, in order, and asserts the state after each run — the
 * commit and image every instance serves, the launch template's default, the version the group is
 * pinned to, and the release record.
 */

import { EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../sim/clock.js';
import { VALIDATE_SERVICE_FAILS } from '../../sim/codedeploy.js';
import { stockImage, World } from '../../sim/world.js';
import { type MotoServer, startMoto } from '../../test-support/moto.js';
import { Pipeline, Repository } from './harness.js';
import { RecordConflictError } from './record.js';
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
    ]);
    expect(release.imageId).toBe(image);
  });
});
