/**
 * The recipe hash: what an image is baked from. It covers the base image id, the provision script's
 * bytes and every file under `recipe-paths` (path and content, in sorted order), so an image is
 * rebaked exactly when one of those changes. Shared by bake-ami and deploy-plan.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { InputError } from './inputs.js';

export interface RecipeFiles {
  /** sha256 over the provision script and the recipe files: the part of the recipe the repository holds. */
  digest: string;
  /** Repository-relative paths of the recipe files, sorted (the provision script first). */
  files: string[];
}

export interface RecipeSources {
  /** Path of the provision script (relative to `root` or absolute). */
  provisionScript: string;
  /** Files, directories (walked recursively) and glob patterns (`deploy/image/**`) that shape the image. */
  recipePaths: readonly string[];
  /** What relative paths are relative to: the workspace. */
  root: string;
}

/** Every file under `path`, as repository-relative POSIX paths; symlinks are recorded, not followed. */
async function collect(root: string, path: string, input: string, into: Map<string, string>): Promise<void> {
  const absolute = resolve(root, path);
  const stats = await lstat(absolute).catch(() => undefined);
  if (!stats) throw new InputError(input, path, 'must name files or directories that exist');
  const name = relative(root, absolute).split(sep).join('/') || '.';
  if (stats.isDirectory()) {
    for (const entry of await readdir(absolute)) await collect(root, join(absolute, entry), input, into);
  } else if (stats.isFile() || stats.isSymbolicLink()) {
    into.set(name, absolute);
  }
}

/** Digest of the repository part of the recipe. */
export async function digestRecipeFiles(sources: RecipeSources): Promise<RecipeFiles> {
  const script = resolve(sources.root, sources.provisionScript);
  const scriptBytes = await readFile(script).catch(() => {
    throw new InputError('provision-script', sources.provisionScript, 'must name a file that exists');
  });
  const files = new Map<string, string>();
  for (const path of sources.recipePaths) {
    if (!isDynamicPattern(path)) {
      await collect(sources.root, path, 'recipe-paths', files);
      continue;
    }
    const matches = await glob(path, { cwd: sources.root, dot: true, followSymbolicLinks: false });
    if (matches.length === 0) throw new InputError('recipe-paths', path, 'must match at least one file');
    for (const match of matches) await collect(sources.root, match, 'recipe-paths', files);
  }

  files.delete(relative(sources.root, script).split(sep).join('/')); // already in, as the script
  const hash = createHash('sha256');
  hash.update(`provision-script\0${scriptBytes.length}\0`).update(scriptBytes);
  const names = [...files.keys()].sort();
  for (const name of names) {
    const absolute = files.get(name)!;
    const isLink = (await lstat(absolute)).isSymbolicLink();
    const content = isLink ? Buffer.from(await readlink(absolute)) : await readFile(absolute);
    hash.update(`\0${isLink ? 'link' : 'file'}\0${name}\0${content.length}\0`).update(content);
  }
  const scriptName = relative(sources.root, script).split(sep).join('/');
  return { digest: hash.digest('hex'), files: [scriptName, ...names] };
}

/** The recipe hash: the base image id together with the repository part's digest. */
export function recipeHash(baseImageId: string, filesDigest: string): string {
  return createHash('sha256').update(`dealership-recipe-v1\0${baseImageId}\0${filesDigest}`).digest('hex');
}

/** The workspace the runner checked the repository out to (the current directory outside a runner). */
export function workspaceRoot(): string {
  return process.env.GITHUB_WORKSPACE || process.cwd();
}
