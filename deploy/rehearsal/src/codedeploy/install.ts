import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { listFiles } from '../bundle/files.js';
import { forEachConcurrent } from '../concurrency.js';
import type { AppSpec, PermissionRule } from './appspec.js';

/**
 * CodeDeploy's Install event inside an instance root: remove what the previous deployment installed
 * (its cleanup list), copy the revision's files per `files` (honouring file_exists_behavior), record
 * the new cleanup list, then apply `permissions` modes. Owners and groups are left alone: the
 * rehearsal has no service user.
 */
export async function installRevision(options: {
  spec: AppSpec;
  archiveDir: string;
  root: string;
  cleanupFile: string;
}): Promise<{ files: number }> {
  const { spec, archiveDir, root, cleanupFile } = options;
  if (existsSync(cleanupFile)) {
    const previous = (await readFile(cleanupFile, 'utf8')).split('\n').filter(Boolean);
    await forEachConcurrent(previous, 32, (path) => rm(path, { force: true }));
    // Folders emptied by that, deepest first, up to (not including) the destinations.
    for (const folder of [...new Set(previous.map(dirname))].sort().reverse()) {
      await rmdir(folder).catch(() => {});
    }
  }

  const installed: string[] = [];
  for (const mapping of spec.files) {
    const sourceDir = join(archiveDir, mapping.source);
    const copies: [string, string][] = [];
    for (const file of await listFiles(sourceDir)) {
      const target = join(root, mapping.destination, file);
      if (existsSync(target)) {
        if (spec.fileExistsBehavior === 'DISALLOW') {
          throw new Error(`${target} already exists and file_exists_behavior is DISALLOW`);
        }
        if (spec.fileExistsBehavior === 'RETAIN') continue;
      }
      copies.push([join(sourceDir, file), target]);
    }
    for (const folder of new Set(copies.map(([, target]) => dirname(target))))
      await mkdir(folder, { recursive: true });
    await forEachConcurrent(copies, 32, ([from, to]) => copyFile(from, to));
    installed.push(...copies.map(([, target]) => target));
  }
  await mkdir(dirname(cleanupFile), { recursive: true });
  await writeFile(cleanupFile, `${installed.join('\n')}\n`);

  for (const rule of spec.permissions) await applyMode(rule, root);
  return { files: installed.length };
}

async function applyMode(rule: PermissionRule, root: string): Promise<void> {
  if (rule.mode === undefined) return;
  const object = join(root, rule.object);
  if (!existsSync(object)) return;
  const matches = globMatcher(rule.pattern);
  const excluded = rule.except.map(globMatcher);
  const files = await listFiles(object);
  const candidates: { path: string; relative: string; type: 'file' | 'directory' }[] = [
    ...files.map((file) => ({ path: join(object, file), relative: file, type: 'file' as const })),
    ...[...new Set(files.flatMap(parentsOf))].map((dir) => ({
      path: join(object, dir),
      relative: dir,
      type: 'directory' as const,
    })),
    { path: object, relative: '', type: 'directory' },
  ];
  for (const candidate of candidates) {
    if (!rule.types.includes(candidate.type)) continue;
    if (candidate.relative !== '' && !matches(candidate.relative)) continue;
    if (excluded.some((except) => except(candidate.relative))) continue;
    await chmod(candidate.path, rule.mode);
  }
}

const parentsOf = (file: string): string[] => {
  const parts = file.split('/').slice(0, -1);
  return parts.map((_, index) => parts.slice(0, index + 1).join('/'));
};

/** appspec globs: `**` any path, `*` any name part, `?` one character; a pattern without `/` matches the name. */
function globMatcher(pattern: string): (relative: string) => boolean {
  const source = pattern
    .split(/(\*\*|\*|\?)/)
    .map((part) =>
      part === '**'
        ? '.*'
        : part === '*'
          ? '[^/]*'
          : part === '?'
            ? '[^/]'
            : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  const regex = new RegExp(`^${source}$`);
  return pattern.includes('/') || pattern === '**'
    ? (relative) => regex.test(relative)
    : (relative) => regex.test(relative.slice(relative.lastIndexOf('/') + 1));
}
