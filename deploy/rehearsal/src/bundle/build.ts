import { createHash } from 'node:crypto';
import { copyFile, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { folderEntries, writeZip } from '@dealership/revision';
import { forEachConcurrent } from '../concurrency.js';
import { REPO_ROOT } from '../paths.js';
import { runChecked } from '../process.js';
import { isNative, keepInPackage, licenceNotice, packageFiles, shippedPackages } from './dependencies.js';
import { buildService, SHIPPED_PACKAGES, SQLITE_DRIVER } from './service-build.js';

/** What a revision holds besides the bundled service and the packages it ships, relative to the repository root. */
const REVISION_SOURCES = ['appspec.yml', 'deploy/hooks', 'deploy/systemd', 'service/package.json'];

export interface BundleOptions {
  /** The commit the revision reports on /version; written to its REVISION file. */
  commit: string;
  /** The zip to write. */
  outFile: string;
  /** Type-check the service first (`npm run build -w service`, tsc); the bundle is compiled from its sources either way. */
  typeCheck?: boolean;
  /**
   * Ship the embedded database's driver (sqlite3, a native addon built for this machine) so the revision
   * can run on a `sqlite:` DATABASE_URL, as the rehearsal does when it has no MySQL. Production uses
   * MySQL, whose driver is in the bundle: its revision leaves this off.
   */
  sqlite3?: boolean;
}

export interface Bundle {
  file: string;
  commit: string;
  sha256: string;
  bytes: number;
  entries: number;
  /** The files below service/node_modules (the packages shipped outside the bundle). */
  shippedFiles: number;
}

/** The commit to label a bundle with: DEALERSHIP_COMMIT when set (CI passes the pushed SHA), else HEAD. */
export async function currentCommit(): Promise<string> {
  const fromEnv = process.env.DEALERSHIP_COMMIT?.trim();
  if (fromEnv) return fromEnv;
  return (await runChecked('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT })).trim();
}

/** Where a revision goes by default; one carrying sqlite3 is named so, and never taken for production's. */
export const defaultBundlePath = (commit: string, sqlite3 = false) =>
  join(REPO_ROOT, 'build', 'revision', `dealership-${commit.slice(0, 12)}${sqlite3 ? '-sqlite3' : ''}.zip`);

/** This tree's revision at its default path, for a rehearsal: with the sqlite3 driver when it runs on SQLite. */
export async function bundleThisTree(options: {
  sqlite3: boolean;
  log: (line: string) => void;
}): Promise<string> {
  const commit = await currentCommit();
  options.log(
    `bundling this tree as revision ${commit}${options.sqlite3 ? ' (with the sqlite3 driver)' : ''}`,
  );
  const outFile = defaultBundlePath(commit, options.sqlite3);
  return (await buildBundle({ commit, outFile, sqlite3: options.sqlite3 })).file;
}

/**
 * Builds the CodeDeploy revision: appspec, hooks, unit, the service compiled into a few files with its
 * dependencies (service-build.ts), the packages it needs on disk (dependencies.ts), the bundled
 * packages' licences, and a REVISION file. Entries are sorted, times fixed and modes normalised, so the
 * same sources and commit give the same bytes.
 */
export async function buildBundle(options: BundleOptions): Promise<Bundle> {
  if (!/^[\w.-]+$/.test(options.commit)) {
    throw new Error(`commit must be letters, digits, '.', '_' or '-', got ${JSON.stringify(options.commit)}`);
  }
  if (options.typeCheck) await runChecked('npm', ['run', 'build', '-w', 'service'], { cwd: REPO_ROOT });

  const staging = await mkdtemp(join(tmpdir(), 'dealership-bundle-'));
  try {
    for (const source of REVISION_SOURCES) {
      await cp(join(REPO_ROOT, source), join(staging, source), {
        recursive: true,
        dereference: true,
        // deploy/hooks and deploy/systemd keep their tests beside them; those stay out of the revision.
        filter: (path) => !path.endsWith('.test.ts'),
      }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
        throw new Error(`${source} is missing from ${REPO_ROOT}`);
      });
    }
    const dist = join(staging, 'service', 'dist');
    const service = await buildService(dist);
    await writeFile(join(dist, 'THIRD-PARTY-LICENSES.txt'), await licenceNotice(service.bundledPackages));

    const shipped = [...SHIPPED_PACKAGES, ...(options.sqlite3 ? [SQLITE_DRIVER] : [])];
    let shippedFiles = 0;
    for (const pkg of await shippedPackages(shipped)) {
      const native = isNative(pkg.sourceDir);
      const files = (await packageFiles(pkg.sourceDir)).filter((file) => keepInPackage(file, native));
      shippedFiles += files.length;
      await forEachConcurrent(files, 16, async (file) => {
        const to = join(staging, 'service', 'node_modules', pkg.bundlePath, file);
        await mkdir(dirname(to), { recursive: true });
        await copyFile(join(pkg.sourceDir, file), to);
      });
    }
    await writeFile(join(staging, 'REVISION'), `${options.commit}\n`);

    // The revisions' one zip writer (@dealership/revision): sorted entries, fixed times, modes 0644/0755.
    const files = await folderEntries(staging);
    const bytes = writeZip(files);
    await mkdir(dirname(options.outFile), { recursive: true });
    await writeFile(options.outFile, bytes);
    return {
      file: options.outFile,
      commit: options.commit,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.length,
      entries: files.length,
      shippedFiles,
    };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
