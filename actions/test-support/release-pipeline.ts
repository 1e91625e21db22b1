/**
 * For the release's scenario tests: a repository with real commits (the order check reads git), a
 * revision bundle per commit (its REVISION file names the commit, as `npm run bundle` writes it), and
 * the release's three modes run against a {@link World} on its clock, as the workflow steps run them.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CancelledError } from '../lib/index.js';
import { abortCanary, promoteCanary, watchCanary } from '../release/src/canary-modes.js';
import type { CanarySettings, ReleaseDeps, StackConfig } from '../release/src/converge.js';
import { gitAncestry } from '../release/src/order.js';
import { readRecord } from '../release/src/record.js';
import { deployRelease, type RunContext, recoverRelease, rollbackRelease } from '../release/src/release.js';
import type { World } from '../sim/world.js';
import { makeRevisionFolder } from './revision.js';

export const REPO_APPSPEC = resolve(import.meta.dirname, '../../appspec.yml');
/** The deploy job's timeout-minutes in deploy.yml. */
export const JOB_MINUTES = 350;

export class Repository {
  readonly dir = mkdtempSync(join(tmpdir(), 'release-repo-'));
  constructor() {
    mkdirSync(join(this.dir, 'deploy/image'), { recursive: true });
    this.git('init', '-q', '-b', 'main');
    this.recipe('#!/bin/sh\nset -eu\necho provisioning\npoweroff\n');
  }

  git(...args: string[]): string {
    return execFileSync('git', args, {
      cwd: this.dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    }).trim();
  }

  /** Every repository's recipes are its own (scenarios share one moto, whose images outlive a scenario). */
  readonly #nonce = randomUUID();

  /** Changes the image recipe (the next commit bakes a new image). */
  recipe(script: string): void {
    writeFileSync(join(this.dir, 'deploy/image/provision.sh'), `${script}# repository ${this.#nonce}\n`);
  }

  /** A commit and its revision bundle. */
  commit(message: string): { sha: string; bundle: string } {
    writeFileSync(join(this.dir, 'CHANGES'), `${message}\n`);
    this.git('add', '-A');
    this.git('commit', '-q', '-m', message);
    const sha = this.git('rev-parse', 'HEAD');
    const bundle = makeRevisionFolder({
      destination: '/opt/dealership/app',
      timeout: 180,
      files: { REVISION: `${sha}\n` },
    });
    return { sha, bundle };
  }
}

export interface RunOptions {
  /** The runner cancels the step this many seconds into the run. */
  cancelAfterSeconds?: number;
  /** The runner cancels the step a second after this stage starts. */
  cancelInStage?: string;
  /** The job's time limit, in minutes from the run's start (deploy.yml's timeout-minutes). */
  jobMinutes?: number;
}

export class Pipeline {
  readonly lines: string[] = [];
  /** The release's keep-releases input. */
  keepReleases = 10;
  /** The release's canary inputs (deploy.yml with vars.CANARY_PERCENTAGE); undefined: no canary. */
  canary?: CanarySettings;
  /** The release's alarms input (vars.DEPLOYMENT_ALARM_NAMES). */
  alarms: string[] = [];
  #runs = 0;

  constructor(
    readonly world: World,
    readonly repo: Repository,
  ) {}

  get config(): StackConfig {
    const w = this.world;
    return {
      region: 'us-east-1',
      environment: 'production',
      application: w.application,
      deploymentGroup: w.deploymentGroup,
      autoScalingGroup: w.group,
      launchTemplate: { LaunchTemplateId: w.launchTemplateId },
      bucket: w.bucket,
      revisionPrefix: 'revisions',
      serviceUrl: w.url,
      alarms: this.alarms,
      keepReleases: this.keepReleases,
      canary: this.canary,
      bake: {
        base: { imageId: w.stockImageId },
        instanceType: 't3.small',
        securityGroupIds: [],
        provisionScript: 'deploy/image/provision.sh',
        recipePaths: ['deploy/image/**'],
        workspace: this.repo.dir,
        namePrefix: 'dealership',
        tags: {},
        // Retention is bake-ami's (tested there); here it would scan every stack's launch templates in the shared moto.
        keepImages: 0,
        pollIntervalMs: 15_000,
      },
    };
  }

  context(id: string, options: RunOptions): RunContext {
    return {
      id,
      actor: 'octocat',
      jobDeadline: this.world.clock.now() + (options.jobMinutes ?? JOB_MINUTES) * 60_000,
      appspecPath: REPO_APPSPEC,
    };
  }

  deps(options: RunOptions): ReleaseDeps {
    const controller = new AbortController();
    const clock = this.world.clock;
    if (options.cancelAfterSeconds !== undefined) {
      this.world.fake.after(options.cancelAfterSeconds * 1000, () =>
        controller.abort(new CancelledError('SIGINT')),
      );
    }
    const log = (line: string) => {
      this.lines.push(line);
      if (options.cancelInStage !== undefined && line === `── ${options.cancelInStage}`) {
        this.world.fake.after(1000, () => controller.abort(new CancelledError('SIGINT')));
      }
    };
    return { ...this.world.clients, clock, signal: controller.signal, log, fetch: globalThis.fetch };
  }

  nextId(): string {
    this.#runs += 1;
    return `${1000 + this.#runs}-1`;
  }

  /** deploy.yml's release step; `error` is what failed the step. */
  async deploy(change: { sha: string; bundle: string }, options: RunOptions = {}) {
    const id = this.nextId();
    try {
      const release = await deployRelease(
        this.deps(options),
        this.config,
        this.context(id, options),
        { commit: change.sha, bundle: change.bundle },
        gitAncestry(this.repo.dir),
      );
      return { id, release, error: undefined as unknown };
    } catch (error) {
      return { id, release: await this.release(id), error };
    }
  }

  /** rollback.yml's release step. */
  async rollback(to = 'previous', options: RunOptions = {}) {
    const id = this.nextId();
    try {
      const release = await rollbackRelease(this.deps(options), this.config, this.context(id, options), {
        to,
        reason: 'test',
      });
      return { id, release, error: undefined as unknown };
    } catch (error) {
      return { id, release: await this.release(id), error };
    }
  }

  /** A job of the same run as the deploy (its release id is the run's): promote, abort, watch. */
  async #canaryJob<T>(
    id: string,
    body: (deps: ReleaseDeps, context: RunContext) => Promise<T>,
    options: RunOptions = {},
  ) {
    try {
      await body(this.deps(options), this.context(id, options));
      return { id, release: await this.release(id), error: undefined as unknown };
    } catch (error) {
      return { id, release: await this.release(id), error };
    }
  }

  /** deploy.yml's production-canary job (runs once a reviewer approved). */
  promote(id: string, options: RunOptions = {}) {
    return this.#canaryJob(id, (deps, context) => promoteCanary(deps, this.config, context, id), options);
  }

  /** deploy.yml's canary-rollback job (approval refused, run cancelled). */
  abort(id: string, reason: string) {
    return this.#canaryJob(id, (deps, context) => abortCanary(deps, this.config, context, id, reason));
  }

  /** deploy.yml's canary-watch job (alarms and the approval deadline while the approval waits). */
  watch(id: string, options: RunOptions = {}) {
    return this.#canaryJob(id, (deps, context) => watchCanary(deps, this.config, context, id), options);
  }

  /** The step after the release that runs when the job was cancelled (`if: cancelled() || failure()`). */
  async recover(id: string) {
    return recoverRelease(this.deps({}), this.config, this.context(id, {}));
  }

  async record() {
    return (await readRecord(this.world.clients.s3, this.world.bucket, 'production')).record;
  }

  async release(id: string) {
    return (await this.record()).releases.find((r) => r.id === id);
  }
}
