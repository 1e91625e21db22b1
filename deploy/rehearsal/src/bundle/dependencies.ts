import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

/** One installed package the service needs at run time, and where it goes in the bundle's node_modules. */
export interface InstalledPackage {
  name: string;
  sourceDir: string;
  /** Path below the bundle's `service/node_modules`, e.g. `debug` or `a/node_modules/b`. */
  bundlePath: string;
}

interface Manifest {
  name?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const readManifest = async (dir: string): Promise<Manifest> =>
  JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Manifest;

/** Node's lookup: node_modules/NAME in the requiring package's folder, then each folder above it. */
function resolveInstalled(name: string, fromDir: string, topDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === topDir || dir === dirname(dir)) return undefined;
  }
}

/**
 * The production dependency closure of the workspace package in `packageDir`, as npm installed it
 * (hoisted into `topDir/node_modules` or kept in the workspace's own node_modules). Copying these
 * folders to the bundle's `service/node_modules` keeps every package resolving to the same version:
 * the equivalent of `npm ci --omit=dev` for that workspace, without compiling native modules again.
 */
export async function productionPackages(packageDir: string, topDir: string): Promise<InstalledPackage[]> {
  const found = new Map<string, InstalledPackage>();
  const byBundlePath = new Map<string, string>();
  const pending: { dir: string; manifest: Manifest; label: string }[] = [
    { dir: packageDir, manifest: await readManifest(packageDir), label: relative(topDir, packageDir) },
  ];
  while (pending.length > 0) {
    const { dir, manifest, label } = pending.pop()!;
    const wanted = [
      ...Object.keys(manifest.dependencies ?? {}).map((name) => ({ name, optional: false })),
      ...Object.keys(manifest.optionalDependencies ?? {}).map((name) => ({ name, optional: true })),
      // An installed peer is used at run time; a missing optional peer is a feature left out.
      ...Object.keys(manifest.peerDependencies ?? {}).map((name) => ({
        name,
        optional: manifest.peerDependenciesMeta?.[name]?.optional === true,
      })),
    ];
    for (const { name, optional } of wanted) {
      const sourceDir = resolveInstalled(name, dir, topDir);
      if (sourceDir === undefined) {
        if (optional) continue;
        throw new Error(`${label} needs ${name}, which is not installed: run npm ci at ${topDir}`);
      }
      if (found.has(sourceDir)) continue;
      const bundlePath = toBundlePath(sourceDir, packageDir, topDir);
      const clash = byBundlePath.get(bundlePath);
      if (clash !== undefined) {
        throw new Error(
          `${sourceDir} and ${clash} would both be service/node_modules/${bundlePath} in the bundle`,
        );
      }
      byBundlePath.set(bundlePath, sourceDir);
      found.set(sourceDir, { name, sourceDir, bundlePath });
      pending.push({ dir: sourceDir, manifest: await readManifest(sourceDir), label: name });
    }
  }
  return [...found.values()].sort((a, b) => (a.bundlePath < b.bundlePath ? -1 : 1));
}

function toBundlePath(sourceDir: string, packageDir: string, topDir: string): string {
  for (const base of [join(packageDir, 'node_modules'), join(topDir, 'node_modules')]) {
    const inside = relative(base, sourceDir);
    if (!inside.startsWith('..')) return inside.split(sep).join('/');
  }
  throw new Error(`${sourceDir} is outside ${packageDir} and ${topDir}: cannot place it in the bundle`);
}
