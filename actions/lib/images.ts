/**
 * Images: the `base-image` and `image-id` inputs, resolving `resolve:ssm:/path`, and finding the
 * image a recipe hash was baked into. Shared by bake-ami, roll-launch-template and deploy-plan.
 */
import { DescribeImagesCommand, type EC2Client, type Image } from '@aws-sdk/client-ec2';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { InputError, readRequired } from './inputs.js';
import { RECIPE_HASH_TAG } from './tags.js';

const IMAGE_ID = /^ami-[0-9a-f]{8,17}$/;
const SSM_PREFIX = 'resolve:ssm:';

/** An input holding an AMI id. */
export function readImageId(name: string): string {
  const value = readRequired(name);
  if (!IMAGE_ID.test(value))
    throw new InputError(name, value, 'must be an AMI id such as ami-0123456789abcdef0');
  return value;
}

export type BaseImage = { imageId: string } | { ssmParameter: string };

/** `ami-…` or `resolve:ssm:/path/to/parameter` (the form CloudFormation and launch templates use). */
export function parseBaseImage(value: string, input = 'base-image'): BaseImage {
  if (IMAGE_ID.test(value)) return { imageId: value };
  if (value.startsWith(SSM_PREFIX) && /^[a-zA-Z0-9_.\-/]+$/.test(value.slice(SSM_PREFIX.length))) {
    return { ssmParameter: value.slice(SSM_PREFIX.length) };
  }
  throw new InputError(input, value, 'must be an AMI id (ami-…) or resolve:ssm:/parameter/path');
}

export function baseImageText(base: BaseImage): string {
  return 'imageId' in base ? base.imageId : `${SSM_PREFIX}${base.ssmParameter}`;
}

/** The AMI id of the base image, reading the SSM parameter when it is one. */
export async function resolveBaseImage(ssm: SSMClient, base: BaseImage): Promise<string> {
  if ('imageId' in base) return base.imageId;
  const result = await ssm.send(new GetParameterCommand({ Name: base.ssmParameter }));
  const value = result.Parameter?.Value ?? '';
  if (!IMAGE_ID.test(value)) {
    throw new Error(
      `SSM parameter ${base.ssmParameter} (input base-image) holds ${JSON.stringify(value)}, not an AMI id`,
    );
  }
  return value;
}

/** Newest first, by CreationDate. */
export function newestFirst(images: Image[]): Image[] {
  return [...images].sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''));
}

/** The newest available image of this account tagged with the recipe hash, if any. */
export async function findImageByRecipeHash(ec2: EC2Client, recipeHash: string): Promise<Image | undefined> {
  const result = await ec2.send(
    new DescribeImagesCommand({
      Owners: ['self'],
      Filters: [
        { Name: `tag:${RECIPE_HASH_TAG}`, Values: [recipeHash] },
        { Name: 'state', Values: ['available'] },
      ],
    }),
  );
  return newestFirst(result.Images ?? [])[0];
}
