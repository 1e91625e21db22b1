/**
 * The image a recipe was baked into, if any: the same recipe hash bake-ami computes (base image,
 * provision script, recipe files), looked up by its tag. The release sizes its time budget by it; the
 * plan says from it whether a merge bakes.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import {
  type BaseImage,
  digestRecipeFiles,
  findImageByRecipeHash,
  recipeHash,
  resolveBaseImage,
} from '../../lib/index.js';

export interface RecipeImage {
  hash: string;
  baseImageId: string;
  files: string[];
  /** The available image baked from this recipe; undefined when a bake is needed. */
  imageId?: string;
  imageName?: string;
}

export async function recipeImage(
  clients: { ec2: EC2Client; ssm: SSMClient },
  sources: { base: BaseImage; provisionScript: string; recipePaths: readonly string[]; workspace: string },
): Promise<RecipeImage> {
  const baseImageId = await resolveBaseImage(clients.ssm, sources.base);
  const files = await digestRecipeFiles({
    root: sources.workspace,
    provisionScript: sources.provisionScript,
    recipePaths: sources.recipePaths,
  });
  const hash = recipeHash(baseImageId, files.digest);
  const image = await findImageByRecipeHash(clients.ec2, hash);
  return { hash, baseImageId, files: files.files, imageId: image?.ImageId, imageName: image?.Name };
}
