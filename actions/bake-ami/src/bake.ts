/**
 * The bake protocol: resolve the base image, hash the recipe, reuse an available image with that
 * hash, otherwise launch a builder that runs the provision script and powers off, image it, tag it,
 * and always terminate the builder. Then apply retention.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as core from '@actions/core';
import type { EC2Client, Image } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import {
  type BaseImage,
  type Clock,
  COMMIT_TAG,
  describeError,
  digestRecipeFiles,
  findImageByRecipeHash,
  InputError,
  PollAbortedError,
  PollTimeoutError,
  progress,
  progressTicks,
  RECIPE_HASH_TAG,
  ROLE_TAG,
  recipeHash,
  resolveBaseImage,
  systemClock,
  type WaitOptions,
  withinGap,
} from '../../lib/index.js';
import {
  builderConsoleTail,
  launchBuilder,
  MAX_USER_DATA_BYTES,
  terminateBuilder,
  waitForBuilderStopped,
} from './builder.js';
import { createImage, deregisterImageAndSnapshots, waitForImageAvailable } from './image.js';
import { applyRetention, imageName } from './retention.js';

export interface BakeRequest {
  base: BaseImage;
  /** Paths relative to `workspace`. */
  provisionScript: string;
  recipePaths: string[];
  workspace: string;
  instanceType: string;
  subnetId?: string;
  securityGroupIds: string[];
  instanceProfile?: string;
  namePrefix: string;
  tags: Record<string, string>;
  /** Images of this prefix to keep; 0 turns retention off. */
  keepImages: number;
  timeoutMs: number;
  pollIntervalMs: number;
  commit: string;
}

export interface BakeDeps {
  ec2: EC2Client;
  ssm: SSMClient;
  signal?: AbortSignal;
  clock?: Clock;
}

/** What the bake knows so far; filled in as it goes, so outputs can be set even when it fails. */
export interface BakeState {
  baseImageId?: string;
  recipeHash?: string;
  recipeFiles?: string[];
  cacheHit?: boolean;
  imageId?: string;
  imageName?: string;
  builderInstanceId?: string;
  deregistered?: string[];
  keptForLaunchTemplates?: string[];
}

export async function bake(deps: BakeDeps, request: BakeRequest, state: BakeState = {}): Promise<BakeState> {
  const clock = deps.clock ?? systemClock;
  const deadline = clock.now() + request.timeoutMs;

  state.baseImageId = await resolveBaseImage(deps.ssm, request.base);
  const files = await digestRecipeFiles({
    root: request.workspace,
    provisionScript: request.provisionScript,
    recipePaths: request.recipePaths,
  });
  state.recipeHash = recipeHash(state.baseImageId, files.digest);
  state.recipeFiles = files.files;
  progress(`Recipe hash ${state.recipeHash} (base image ${state.baseImageId}, ${files.files.length} files).`);

  const cached = await findImageByRecipeHash(deps.ec2, state.recipeHash);
  state.cacheHit = cached !== undefined;
  if (cached) {
    state.imageId = cached.ImageId;
    state.imageName = cached.Name;
    progress(`Cache hit: ${cached.ImageId} (${cached.Name}) was baked from this recipe; no builder needed.`);
  } else {
    const image = await bakeNewImage(deps, request, state, deadline);
    state.imageId = image.ImageId;
  }

  if (request.keepImages > 0) {
    try {
      const retention = await applyRetention(deps.ec2, {
        namePrefix: request.namePrefix,
        keep: request.keepImages,
        bakedImageId: state.imageId!,
        warn: core.warning,
      });
      state.deregistered = retention.deregistered;
      state.keptForLaunchTemplates = retention.keptForLaunchTemplates;
      for (const id of retention.deregistered) progress(`Retention: deregistered ${id} and its snapshots.`);
      for (const id of retention.keptForLaunchTemplates)
        progress(`Retention: kept ${id}, a launch template version names it.`);
    } catch (error) {
      // The image is baked; housekeeping failing must not fail the deploy, but must be seen.
      core.warning(`Retention of ${request.namePrefix} images failed: ${describeError(error)}`);
    }
  }
  return state;
}

async function bakeNewImage(
  deps: BakeDeps,
  request: BakeRequest,
  state: BakeState,
  deadline: number,
): Promise<Image> {
  const { ec2, signal } = deps;
  const clock = deps.clock ?? systemClock;
  const recipe = state.recipeHash!;
  const name = imageName(request.namePrefix, recipe, new Date(clock.now()));
  state.imageName = name;
  const tags = {
    ...request.tags,
    Name: name,
    [RECIPE_HASH_TAG]: recipe,
    [COMMIT_TAG]: request.commit,
    'dealership:base-image': state.baseImageId!,
  };

  const userData = await readFile(resolve(request.workspace, request.provisionScript));
  if (userData.length > MAX_USER_DATA_BYTES) {
    throw new InputError(
      'provision-script',
      request.provisionScript,
      `is ${userData.length} bytes; EC2 user data takes at most ${MAX_USER_DATA_BYTES} (download the rest from the script)`,
    );
  }
  signal?.throwIfAborted();

  const instanceId = await launchBuilder(ec2, {
    baseImageId: state.baseImageId!,
    instanceType: request.instanceType,
    subnetId: request.subnetId,
    securityGroupIds: request.securityGroupIds,
    instanceProfile: request.instanceProfile,
    userData,
    tags: { ...tags, Name: `${name}-builder`, [ROLE_TAG]: 'builder' },
    clientToken: createHash('sha256').update(`${name}:builder`).digest('hex').slice(0, 64),
  });
  state.builderInstanceId = instanceId;
  progress(
    `Launched builder ${instanceId} from ${state.baseImageId}; waiting for the provision script to power it off.`,
  );

  const wait = (what: string) => ({
    ...withinGap(request.pollIntervalMs),
    timeoutMs: deadline - clock.now(),
    signal,
    clock,
    onTick: progressTicks(what),
  });

  let outcome: { image: Image } | { error: unknown };
  try {
    try {
      await waitForBuilderStopped(ec2, instanceId, wait(`builder ${instanceId}`));
    } catch (error) {
      if (!(error instanceof PollAbortedError)) await showConsole(ec2, instanceId);
      throw error;
    }
    const imageId = await createImage(ec2, {
      instanceId,
      name,
      description: `dealership image, recipe ${recipe.slice(0, 12)}, commit ${request.commit.slice(0, 12)}`,
      tags: { ...tags, [ROLE_TAG]: 'image' },
    });
    state.imageId = imageId;
    progress(`Creating image ${imageId} (${name}).`);
    const image = await waitForImage(ec2, imageId, wait(`image ${imageId}`));
    outcome = { image };
  } catch (error) {
    outcome = { error };
  }

  // Always, whatever happened above: a builder left running costs money and holds the recipe's secrets.
  const cleanupError = await terminateBuilder(ec2, instanceId).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (cleanupError === undefined) progress(`Terminated builder ${instanceId}.`);
  else
    core.error(
      `Could not terminate builder ${instanceId}: ${describeError(cleanupError)}. Terminate it by hand.`,
    );

  if ('error' in outcome) throw outcome.error;
  if (cleanupError !== undefined) throw cleanupError;
  return outcome.image;
}

/**
 * Waits for the image. An image that ends `failed` is deregistered; one still pending at a timeout or
 * cancel is left: it carries the recipe hash, so the next run reuses it once it is available.
 */
async function waitForImage(ec2: EC2Client, imageId: string, options: WaitOptions) {
  try {
    return await waitForImageAvailable(ec2, imageId, options);
  } catch (error) {
    if (error instanceof PollTimeoutError || error instanceof PollAbortedError) {
      core.warning(
        `Image ${imageId} is still pending; a later run with the same recipe reuses it once it is available.`,
      );
    } else {
      await deregisterImageAndSnapshots(ec2, { ImageId: imageId }, core.warning).catch((cleanup: unknown) =>
        core.warning(`Could not deregister the failed image ${imageId}: ${describeError(cleanup)}`),
      );
    }
    throw error;
  }
}

/** Prints the end of the builder's console, where the provision script's errors are. */
async function showConsole(ec2: EC2Client, instanceId: string): Promise<void> {
  try {
    const tail = await builderConsoleTail(ec2, instanceId);
    if (tail) core.info(`Last lines of ${instanceId}'s console:\n${tail}`);
  } catch (error) {
    core.info(`Could not read ${instanceId}'s console: ${describeError(error)}`);
  }
}
