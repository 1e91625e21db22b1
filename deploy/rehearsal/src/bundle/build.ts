import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import { forEachConcurrent } from '../concurrency.js';
import { REPO_ROOT, SERVICE_DIR } from '../paths.js';
import { runChecked } from '../process.js';
import { productionPackages } from './dependencies.js';
import { listFiles, normaliseFiles } from './files.js';

/** What a revision holds besides the service's production dependencies, relative to the repository root. */
const REVISION_SOURCES = [
  'appspec.yml',
  'deploy/hooks',
  'deploy/systemd',
  'service/package.json',
  'service/dist',
];

export interface BundleOptions {
  /** The commit the revision reports on /version; written to its REVISION file. */
  commit: string;
  /** The zip to write. */
  outFile: string;
  /** Compile the service first (`npm run build -w service`); else service/dist must be current. */
  buildService?: boolean;
}

export interface Bundle {
  file: string;
  commit: string;
  sha256: string;
  bytes: number;
  entries: number;
}

/** The commit to label a bundle with: DEALERSHIP_COMMIT when set (CI passes the pushed SHA), else HEAD. */
export async function currentCommit(): Promise<string> {
  const fromEnv = process.env.DEALERSHIP_COMMIT?.trim();
  if (fromEnv) return fromEnv;
  return (await runChecked('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT })).trim();
}

export const defaultBundlePath = (commit: string) =>
  join(REPO_ROOT, 'build', 'revision', `dealership-${commit.slice(0, 12)}.zip`);

/**
 * Builds the CodeDeploy revision: appspec, hooks, unit, the compiled service with its production
 * dependencies, and a REVISION file. Entries are sorted, times fixed and modes normalised, so the
 * same sources and commit give the same bytes.
 */
export async function buildBundle(options: BundleOptions): Promise<Bundle> {
  if (!/^[\w.-]+$/.test(options.commit)) {
    throw new Error(`commit must be letters, digits, '.', '_' or '-', got ${JSON.stringify(options.commit)}`);
  }
  if (options.buildService) await runChecked('npm', ['run', 'build', '-w', 'service'], { cwd: REPO_ROOT });

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
        const hint = source === 'service/dist' ? ' (npm run build -w service)' : '';
        throw new Error(`${source} is missing from ${REPO_ROOT}${hint}`);
      });
    }
    // Outer packages before the ones nested in their node_modules, so no two copies share a folder.
    const packages = await productionPackages(SERVICE_DIR, REPO_ROOT);
    const depth = (path: string) => path.split('/node_modules/').length;
    for (let level = 1; packages.some((pkg) => depth(pkg.bundlePath) >= level); level += 1) {
      await forEachConcurrent(
        packages.filter((pkg) => depth(pkg.bundlePath) === level),
        16,
        async (pkg) => {
          const native = existsSync(join(pkg.sourceDir, 'binding.gyp'));
          await cp(pkg.sourceDir, join(staging, 'service', 'node_modules', pkg.bundlePath), {
            recursive: true,
            dereference: true,
            filter: (path) => keepInPackage(relative(pkg.sourceDir, path), native),
          });
        },
      );
    }
    await writeFile(join(staging, 'REVISION'), `${options.commit}\n`);

    const files = await listFiles(staging);
    await normaliseFiles(staging, files);
    await mkdir(dirname(options.outFile), { recursive: true });
    await rm(options.outFile, { force: true });
    // -X: no uid/gid or extended times, -D: no folder entries; TZ fixes the DOS times zip stores.
    await runChecked('zip', ['-X', '-D', '-q', '-@', options.outFile], {
      cwd: staging,
      env: { ...process.env, TZ: 'UTC' },
      input: `${files.join('\n')}\n`,
    });
    const bytes = await readFile(options.outFile);
    return {
      file: options.outFile,
      commit: options.commit,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.length,
      entries: files.length,
    };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Never loaded at run time: TypeScript sources and declarations, source maps, documentation. */
const NOT_RUN = /\.(ts|cts|mts|map|md|markdown)$/i;

/**
 * Inside one package: its nested node_modules are packages of their own; files Node never loads are
 * left out; of a native module's node-gyp output (build/), only the compiled addons in build/Release.
 */
function keepInPackage(inside: string, native: boolean): boolean {
  const parts = inside.split(sep);
  if (parts[0] === 'node_modules') return false;
  if (NOT_RUN.test(inside)) return false;
  if (native && parts[0] === 'build' && parts.length > 1) {
    const name = basename(inside);
    return parts.length === 2 ? name === 'Release' || name.endsWith('.node') : name.endsWith('.node');
  }
  return true;
}
