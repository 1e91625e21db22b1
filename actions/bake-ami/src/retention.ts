/**
 * Retention: keep the newest `keep` images of this name prefix, deregister older ones with their
 * snapshots — but never the image just baked, and never one that any launch template version in the
 * region still names (a rollback or a scale-out may launch it).
 */
import { DescribeImagesCommand, type EC2Client, type Image } from '@aws-sdk/client-ec2';
import { imageIdsNamedByLaunchTemplates, newestFirst, RECIPE_HASH_TAG } from '../../lib/index.js';
import { deregisterImageAndSnapshots } from './image.js';

/** `<prefix>-<yyyymmddThhmmssZ>-<first 12 of the recipe hash>`: sortable, unique, valid as an AMI name. */
export function imageName(namePrefix: string, recipeHash: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${namePrefix}-${stamp}-${recipeHash.slice(0, 12)}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** This account's baked images whose names this prefix made (not those of a longer prefix). */
export async function imagesOfPrefix(ec2: EC2Client, namePrefix: string): Promise<Image[]> {
  const result = await ec2.send(
    new DescribeImagesCommand({
      Owners: ['self'],
      Filters: [
        { Name: 'name', Values: [`${namePrefix}-*`] },
        { Name: 'tag-key', Values: [RECIPE_HASH_TAG] },
      ],
    }),
  );
  const ours = new RegExp(`^${escapeRegExp(namePrefix)}-\\d{8}T\\d{6}Z-[0-9a-f]{12}$`);
  return newestFirst((result.Images ?? []).filter((image) => ours.test(image.Name ?? '')));
}

export interface RetentionResult {
  deregistered: string[];
  /** Old enough to go, but a launch template version names them. */
  keptForLaunchTemplates: string[];
}

export async function applyRetention(
  ec2: EC2Client,
  options: { namePrefix: string; keep: number; bakedImageId: string; warn: (message: string) => void },
): Promise<RetentionResult> {
  const images = await imagesOfPrefix(ec2, options.namePrefix);
  // A pending image is another bake in progress: never touch it.
  const beyond = images
    .slice(options.keep)
    .filter((image) => image.ImageId !== options.bakedImageId && image.State !== 'pending');
  if (beyond.length === 0) return { deregistered: [], keptForLaunchTemplates: [] };

  const named = await imageIdsNamedByLaunchTemplates(ec2);
  const result: RetentionResult = { deregistered: [], keptForLaunchTemplates: [] };
  for (const image of beyond) {
    if (named.has(image.ImageId!)) {
      result.keptForLaunchTemplates.push(image.ImageId!);
      continue;
    }
    await deregisterImageAndSnapshots(ec2, image, options.warn);
    result.deregistered.push(image.ImageId!);
  }
  return result;
}
