/**
 * The scenario kit of the release's tests: one moto per test file, a new stack (a World) per scenario
 * on it, a repository with real commits, the pipeline that runs the release's modes as the workflows
 * do, and the state every scenario asserts after each run.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { type MotoServer, startMoto } from '@dealership/test-kit';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { FakeClock } from '../sim/clock.js';
import { serveMotoAsAws } from '../sim/moto-proxy.js';
import { stockImage, World } from '../sim/world.js';
import { Pipeline, Repository } from './release-pipeline.js';

export interface ScenarioKit {
  readonly moto: MotoServer;
  readonly stockImageId: string;
  readonly world: World;
  readonly repo: Repository;
  readonly pipeline: Pipeline;
  /** A name for another stack on the same moto. */
  nextName(): string;
  /** What every instance serves, the launch template and the group. */
  stack(): Promise<{
    commits: string[];
    images: (string | undefined)[];
    defaultVersion?: number;
    pinnedVersion?: string;
    healthy: boolean;
  }>;
  /** Asserts the stack is healthy, every instance serving `commit` from `image`, on launch template `version`. */
  expectServing(commit: string, image: string, version?: number): Promise<void>;
  /** The record's live release. */
  live(): Promise<{ commit: string; imageId?: string; launchTemplateVersion?: number } | undefined>;
  /** The first deploy: c1 onto the group's two stock instances; the image is baked, rolled, refreshed. */
  firstDeploy(): Promise<{ c1: { sha: string; bundle: string }; image: string }>;
}

/** Every stage of a release, as `<stage> <outcome>`. */
export const stagesOf = (release: { stages: { name: string; outcome?: string }[] } | undefined) =>
  release?.stages.map((s) => `${s.name} ${s.outcome}`);

/** The stages of a deploy that changes the application only: the image is reused, nothing is refreshed. */
export const APP_ONLY_STAGES = [
  'app succeeded',
  'bake succeeded',
  'roll succeeded',
  'refresh skipped',
  'smoke succeeded',
  'prune revisions skipped',
];

/** The stages that neither succeeded nor were skipped, as `<stage> <outcome>`. */
export const failure = (release: { stages: { name: string; outcome?: string }[] } | undefined) =>
  release?.stages
    .filter((s) => s.outcome !== 'succeeded' && s.outcome !== 'skipped')
    .map((s) => `${s.name} ${s.outcome}`);

/** Registers the hooks; call once at the top of a test file. */
export function useScenarios(): ScenarioKit {
  let moto: MotoServer;
  let stockImageId = '';
  let worlds = 0;
  let world: World;
  let repo: Repository;
  let pipeline: Pipeline;
  // Buckets are global to moto's account: each file's names are its own.
  const file = Math.random().toString(36).slice(2, 8);
  const nextName = () => `${file}-${++worlds}`;

  beforeAll(async () => {
    // As AWS answers where moto falls short: bake-ami tags the image's snapshots at creation
    // (CreateImage's snapshot TagSpecification), which moto alone refuses with a 500.
    moto = await startMoto({ front: serveMotoAsAws });
    const ec2 = new EC2Client(moto.clientConfig);
    stockImageId = await stockImage(ec2);
    ec2.destroy();
  });
  afterAll(async () => {
    await moto?.stop();
  });
  beforeEach(async () => {
    // One moto for the file, a new stack per scenario (moto's reset reloads its AMI catalogue: seconds).
    const name = nextName();
    world = new World({
      moto,
      clock: new FakeClock(),
      instances: 2,
      group: `web-${name}`,
      bucket: `revisions-${name}`,
      stockImageId,
    });
    await world.create();
    repo = new Repository();
    pipeline = new Pipeline(world, repo);
  });
  afterEach(async () => {
    await world.close();
  });

  const kit: ScenarioKit = {
    get moto() {
      return moto;
    },
    get stockImageId() {
      return stockImageId;
    },
    get world() {
      return world;
    },
    get repo() {
      return repo;
    },
    get pipeline() {
      return pipeline;
    },
    nextName,
    async stack() {
      const s = await world.state();
      return {
        commits: s.commits,
        images: s.images,
        defaultVersion: s.defaultVersion,
        pinnedVersion: s.pinnedVersion,
        healthy: s.instances.every((i) => i.healthy),
      };
    },
    async expectServing(commit, image, version = 2) {
      expect(await kit.stack()).toEqual({
        commits: [commit],
        images: [image],
        defaultVersion: version,
        pinnedVersion: String(version),
        healthy: true,
      });
    },
    async live() {
      const found = (await pipeline.record()).releases.find((r) => r.outcome === 'succeeded');
      return (
        found && {
          commit: found.commit,
          imageId: found.imageId,
          launchTemplateVersion: found.launchTemplateVersion,
        }
      );
    },
    async firstDeploy() {
      const c1 = repo.commit('c1');
      const run = await pipeline.deploy(c1);
      expect(run.error, pipeline.lines.join('\n')).toBeUndefined();
      const image = run.release!.imageId!;
      expect(image).not.toBe(world.stockImageId);
      await kit.expectServing(c1.sha, image);
      expect(await kit.live()).toEqual({ commit: c1.sha, imageId: image, launchTemplateVersion: 2 });
      return { c1, image };
    },
  };
  return kit;
}
