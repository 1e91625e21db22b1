import { existsSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { folderEntries, writeZip } from '@dealership/revision';
import { REPO_ROOT } from '../paths.js';
import { run, runChecked } from '../process.js';

/** One revision of the upgrade rehearsal: the zip CodeDeploy deploys, and the same files unpacked. */
export interface Revision {
  /** What the revision is to the check: the base branch's, or the pull request's. */
  role: 'base' | 'head';
  zip: string;
  /** The unpacked revision: appspec.yml at its top, the service in service/. */
  dir: string;
  /** Its REVISION file: the commit /version reports. */
  commit: string;
}

/** Zips the files under `dir` into `zip` with the revisions' one zip writer, as `npm run bundle` does. */
export async function zipDirectory(dir: string, zip: string): Promise<string> {
  await writeFile(zip, writeZip(await folderEntries(dir)));
  return zip;
}

async function revisionCommit(dir: string, source: string): Promise<string> {
  const file = join(dir, 'REVISION');
  const commit = existsSync(file) ? (await readFile(file, 'utf8')).split('\n')[0]?.trim() : undefined;
  if (!commit)
    throw new Error(`${source} has no REVISION file naming its commit; is it a revision (npm run bundle)?`);
  return commit;
}

/**
 * A revision given as a zip (npm run bundle's) or as an unpacked folder holding appspec.yml. A zip is
 * unpacked into `workDir`; a folder is zipped there. Nothing given is modified.
 */
export async function openRevision(
  role: Revision['role'],
  source: string,
  workDir: string,
): Promise<Revision> {
  if (!existsSync(source)) throw new Error(`--${role}: ${source} does not exist`);
  let zip: string;
  let dir: string;
  if (statSync(source).isDirectory()) {
    if (!existsSync(join(source, 'appspec.yml'))) {
      throw new Error(
        `--${role}: ${source} is a folder without appspec.yml; give a revision zip or an unpacked revision`,
      );
    }
    dir = source;
    zip = await zipDirectory(source, join(workDir, `${role}.zip`));
  } else {
    zip = join(workDir, `${role}.zip`);
    await copyFile(source, zip);
    dir = join(workDir, role);
    await mkdir(dir, { recursive: true });
    const unzipped = await run('unzip', ['-q', zip, '-d', dir]);
    if (unzipped.code !== 0) {
      throw new Error(`--${role}: ${source} is not a zip unzip can read: ${unzipped.stderr.trim()}`);
    }
    if (!existsSync(join(dir, 'appspec.yml'))) {
      throw new Error(
        `--${role}: ${source} has no appspec.yml at its top; is it a revision (npm run bundle)?`,
      );
    }
  }
  return { role, zip, dir, commit: await revisionCommit(dir, source) };
}

/** The folders whose node_modules npm ci lays out: the root and the workspaces in package.json. */
async function nodeModulesFolders(root: string): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
    workspaces?: string[];
  };
  return ['.', ...(manifest.workspaces ?? [])].filter((folder) =>
    existsSync(join(root, folder, 'node_modules')),
  );
}

/**
 * The revision of a git ref, built by that commit's own bundler: a `git worktree` of the commit, its
 * dependencies, `npm run bundle` labelled with the commit (DEALERSHIP_COMMIT); the zip is copied into
 * `workDir` and the worktree removed. When the commit's package-lock.json is this checkout's, this
 * checkout's installed node_modules are copied in — hard links when the worktree is on the same file
 * system (same lock file, same tree; nothing in a build writes into node_modules) — instead of running
 * `npm ci`, which otherwise installs them and needs the npm registry.
 */
export async function buildRevisionFromRef(
  ref: string,
  workDir: string,
  log: (line: string) => void = () => {},
  /** Ship the embedded database's driver (`npm run bundle -- --sqlite3`), for a check on SQLite. */
  sqlite3 = false,
): Promise<string> {
  const resolved = await run('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
    cwd: REPO_ROOT,
  });
  if (resolved.code !== 0) {
    throw new Error(`--base-ref: ${JSON.stringify(ref)} is not a commit in ${REPO_ROOT} (fetch it first?)`);
  }
  const commit = resolved.stdout.trim();
  // Not in workDir, which may be memory-backed: on this checkout's file system when /tmp is, so the
  // dependencies can be hard links.
  const parent = await mkdtemp(join(tmpdir(), 'upgrade-base-'));
  const tree = join(parent, 'base-source');
  log(`building the base revision from ${ref} (${commit.slice(0, 12)}) in a git worktree`);
  await runChecked('git', ['worktree', 'add', '--detach', '--force', tree, commit], { cwd: REPO_ROOT });
  try {
    const sameLock =
      (await readFile(join(tree, 'package-lock.json'), 'utf8').catch(() => '')) ===
      (await readFile(join(REPO_ROOT, 'package-lock.json'), 'utf8'));
    if (sameLock) {
      const link = statSync(parent).dev === statSync(REPO_ROOT).dev ? '-al' : '-a';
      for (const folder of await nodeModulesFolders(REPO_ROOT)) {
        await runChecked('cp', [link, join(REPO_ROOT, folder, 'node_modules'), join(tree, folder)]);
      }
    } else {
      log('its package-lock.json differs from this checkout: npm ci');
      await runChecked('npm', ['ci', '--no-audit', '--no-fund'], { cwd: tree });
    }
    const { DEALERSHIP_COMMIT: _ignored, ...env } = process.env;
    const printed = await runChecked('npm', ['run', 'bundle', ...(sqlite3 ? ['--', '--sqlite3'] : [])], {
      cwd: tree,
      env: { ...env, DEALERSHIP_COMMIT: commit },
    });
    // The bundler prints the zip's path as its last line.
    const built = printed.trim().split('\n').at(-1)?.trim() ?? '';
    if (!built.endsWith('.zip') || !existsSync(built)) {
      throw new Error(
        `npm run bundle at ${commit} did not print the path of a zip; it printed:\n${printed.trim()}`,
      );
    }
    const zip = join(workDir, `base-${basename(built)}`);
    await copyFile(built, zip);
    return zip;
  } finally {
    await runChecked('git', ['worktree', 'remove', '--force', tree], { cwd: REPO_ROOT }).catch(() =>
      run('git', ['worktree', 'prune'], { cwd: REPO_ROOT }),
    );
    await rm(parent, { recursive: true, force: true });
  }
}
