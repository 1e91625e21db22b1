/** Tags every resource the actions create carry, in the shapes the AWS APIs take. */

/** The recipe hash an image was baked from; the bake cache looks images up by it. */
export const RECIPE_HASH_TAG = 'dealership:recipe-hash';
/** The commit (GITHUB_SHA) whose run created the resource. */
export const COMMIT_TAG = 'dealership:commit';
/** What the resource is for (`builder`, `image`). */
export const ROLE_TAG = 'dealership:role';

export interface AwsTag {
  Key: string;
  Value: string;
}

export function toAwsTags(tags: Record<string, string>): AwsTag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function fromAwsTags(
  tags: readonly { Key?: string; Value?: string }[] | undefined,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key !== undefined) result[tag.Key] = tag.Value ?? '';
  return result;
}

/** The commit this run builds: `GITHUB_SHA`, or `unknown` outside a runner. */
export function currentCommit(): string {
  return process.env.GITHUB_SHA || 'unknown';
}
