import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { digestRecipeFiles, recipeHash } from './recipe.js';

/** A throwaway workspace with a provision script and an image folder. */
function workspace() {
  const root = mkdtempSync(join(tmpdir(), 'recipe-'));
  mkdirSync(join(root, 'deploy/image/files'), { recursive: true });
  writeFileSync(join(root, 'deploy/image/provision.sh'), '#!/bin/sh\napt-get install -y nodejs\npoweroff\n');
  writeFileSync(join(root, 'deploy/image/files/b.conf'), 'b');
  writeFileSync(join(root, 'deploy/image/files/a.conf'), 'a');
  return root;
}

const sources = (root: string) => ({
  root,
  provisionScript: 'deploy/image/provision.sh',
  recipePaths: ['deploy/image/files'],
});

describe('the recipe hash', () => {
  it('lists the script first and the recipe files in sorted order', async () => {
    const root = workspace();
    const recipe = await digestRecipeFiles(sources(root));
    expect(recipe.files).toEqual([
      'deploy/image/provision.sh',
      'deploy/image/files/a.conf',
      'deploy/image/files/b.conf',
    ]);
    expect(recipe.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is the same for the same content wherever the workspace is', async () => {
    const first = await digestRecipeFiles(sources(workspace()));
    const second = await digestRecipeFiles(sources(workspace()));
    expect(second.digest).toBe(first.digest);
    expect(recipeHash('ami-00000000000000001', second.digest)).toBe(
      recipeHash('ami-00000000000000001', first.digest),
    );
  });

  it('changes when a file changes, a file is renamed or added, the script changes, or the base image changes', async () => {
    const root = workspace();
    const base = (await digestRecipeFiles(sources(root))).digest;
    const digests = new Set([base]);

    writeFileSync(join(root, 'deploy/image/files/a.conf'), 'a2');
    digests.add((await digestRecipeFiles(sources(root))).digest);

    writeFileSync(join(root, 'deploy/image/files/c.conf'), '');
    digests.add((await digestRecipeFiles(sources(root))).digest);

    writeFileSync(join(root, 'deploy/image/provision.sh'), '#!/bin/sh\npoweroff\n');
    digests.add((await digestRecipeFiles(sources(root))).digest);

    symlinkSync('a.conf', join(root, 'deploy/image/files/link.conf'));
    digests.add((await digestRecipeFiles(sources(root))).digest);

    expect(digests.size).toBe(5);
    expect(recipeHash('ami-00000000000000001', base)).not.toBe(recipeHash('ami-00000000000000002', base));
  });

  it('lists and hashes the provision script once when a recipe path covers it too', async () => {
    const root = workspace();
    const alone = await digestRecipeFiles({ ...sources(root), recipePaths: [] });
    const covered = await digestRecipeFiles({ ...sources(root), recipePaths: ['deploy/image/provision.sh'] });
    expect(covered).toEqual(alone);
  });

  it('does not confuse a file name with file content', async () => {
    const one = workspace();
    writeFileSync(join(one, 'deploy/image/files/x'), 'yz');
    const two = workspace();
    writeFileSync(join(two, 'deploy/image/files/xy'), 'z');
    expect((await digestRecipeFiles(sources(one))).digest).not.toBe(
      (await digestRecipeFiles(sources(two))).digest,
    );
  });

  it('expands glob patterns to the same files as the directory they cover', async () => {
    const root = workspace();
    const byDirectory = await digestRecipeFiles({ ...sources(root), recipePaths: ['deploy/image'] });
    const byGlob = await digestRecipeFiles({ ...sources(root), recipePaths: ['deploy/image/**'] });
    expect(byGlob).toEqual(byDirectory);
    expect(byGlob.files).toContain('deploy/image/files/a.conf');
    await expect(digestRecipeFiles({ ...sources(root), recipePaths: ['deploy/*.nothing'] })).rejects.toThrow(
      'Input "recipe-paths" must match at least one file; got "deploy/*.nothing".',
    );
  });

  it('names the input and the path when a recipe path or the script does not exist', async () => {
    const root = workspace();
    await expect(digestRecipeFiles({ ...sources(root), recipePaths: ['deploy/missing'] })).rejects.toThrow(
      'Input "recipe-paths" must name files or directories that exist; got "deploy/missing".',
    );
    await expect(digestRecipeFiles({ ...sources(root), provisionScript: 'nope.sh' })).rejects.toThrow(
      'Input "provision-script" must name a file that exists; got "nope.sh".',
    );
  });
});
