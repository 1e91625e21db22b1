import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, join, relative, sep } from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT, SERVICE_DIR } from '../paths.js';
import { packagesIn } from './service-build.js';

/** One installed package the revision ships in service/node_modules, and where it goes there. */
export interface ShippedPackage {
  sourceDir: string;
  /** Path below the revision's `service/node_modules`, e.g. `bindings` or `a/node_modules/b`. */
  bundlePath: string;
}

/**
 * The packages the revision ships outside the bundle (`names`, each left out of it for a reason given
 * in service-build.ts) with every package their own code requires at run time, found by
 * following their module graph from the entry point Node would load (esbuild, without writing
 * anything) — so sqlite3 brings `bindings` and `file-uri-to-path`, and not the tools npm only runs
 * to install it.
 */
export async function shippedPackages(names: readonly string[]): Promise<ShippedPackage[]> {
  const resolve = createRequire(join(SERVICE_DIR, 'package.json')).resolve;
  const dirs = new Set<string>();
  for (const name of names) {
    let entry: string;
    try {
      entry = resolve(name);
    } catch {
      throw new Error(`the revision ships ${name}, which is not installed: run npm ci at ${REPO_ROOT}`);
    }
    const graph = await build({
      absWorkingDir: SERVICE_DIR,
      entryPoints: [entry],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      metafile: true,
      logLevel: 'silent',
      // A native addon is loaded by path at run time; the package ships it (keepInPackage).
      external: ['*.node'],
    });
    for (const dir of packagesIn(graph.metafile)) dirs.add(dir);
  }
  return [...dirs]
    .map((sourceDir) => ({ sourceDir, bundlePath: toBundlePath(sourceDir) }))
    .sort((a, b) => (a.bundlePath < b.bundlePath ? -1 : 1));
}

function toBundlePath(sourceDir: string): string {
  for (const base of [join(SERVICE_DIR, 'node_modules'), join(REPO_ROOT, 'node_modules')]) {
    const inside = relative(base, sourceDir);
    if (!inside.startsWith('..')) return inside.split(sep).join('/');
  }
  throw new Error(`${sourceDir} is outside the service's and the repository's node_modules`);
}

/** Never loaded at run time: TypeScript sources and declarations, source maps, documentation. */
const NOT_RUN = /\.(ts|cts|mts|map|md|markdown)$/i;
const LICENSE = /^(licen[cs]e|copying|notice)(\.|-|$)/i;

/** Whether a package builds native code (node-gyp), whose sources and build tree it then need not ship. */
export const isNative = (packageDir: string) => existsSync(join(packageDir, 'binding.gyp'));

/**
 * Whether a file of a shipped package (a `/`-separated path inside it) goes into the revision: files
 * Node never loads stay out, and of a native package only its licence, its JavaScript and JSON outside
 * its build inputs (src/, deps/) and the compiled addons in build/Release.
 */
export function keepInPackage(file: string, native: boolean): boolean {
  if (NOT_RUN.test(file)) return false;
  if (!native) return true;
  const parts = file.split('/');
  if (parts[0] === 'build') return parts.length === 3 && parts[1] === 'Release' && file.endsWith('.node');
  if (parts[0] === 'src' || parts[0] === 'deps') return false;
  return (parts.length === 1 && LICENSE.test(file)) || /\.(c?js|mjs|json)$/.test(file);
}

/** The files of a package folder, as `/`-separated paths inside it; its node_modules are packages of their own. */
export async function packageFiles(dir: string, prefix = ''): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') files.push(...(await packageFiles(dir, path)));
    } else files.push(path);
  }
  return files;
}

/**
 * The licences of the packages compiled into the bundle, one after another, for the revision's
 * service/dist/THIRD-PARTY-LICENSES.txt: each package's name, version and licence, and the text of its
 * licence file(s).
 */
export async function licenceNotice(packageDirs: readonly string[]): Promise<string> {
  const sections: string[] = [];
  for (const dir of packageDirs) {
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
      name?: string;
      version?: string;
      license?: string;
    };
    const files = (await readdir(dir)).filter((name) => LICENSE.test(name)).sort();
    const texts = await Promise.all(files.map((name) => readFile(join(dir, name), 'utf8')));
    sections.push(
      [
        `${manifest.name ?? basename(dir)}@${manifest.version ?? '?'} (${manifest.license ?? 'licence not stated'})`,
        ...texts.map((text) => text.trim()),
      ].join('\n\n'),
    );
  }
  return `${sections.join(`\n\n${'-'.repeat(72)}\n\n`)}\n`;
}
