import { chmod, lstat, readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { forEachConcurrent } from '../concurrency.js';

/** Every zip entry gets this time, so the same sources give the same bytes. */
export const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');

/** The regular files under `dir`, as sorted `/`-separated relative paths. Symlinks are refused. */
export async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (path.includes('\n'))
      throw new Error(
        `${JSON.stringify(join(dir, path))}: a file name with a line break cannot be listed for zip`,
      );
    if (entry.isDirectory()) files.push(...(await listFiles(dir, path)));
    else if (entry.isFile()) files.push(path);
    else throw new Error(`${join(dir, path)} is neither a file nor a folder; a revision holds only those`);
  }
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Modes become 0755 (anything executable) or 0644, times become FIXED_MTIME. */
export async function normaliseFiles(dir: string, files: readonly string[]): Promise<void> {
  await forEachConcurrent(files, 32, async (file) => {
    const path = join(dir, file);
    const { mode } = await lstat(path);
    await chmod(path, mode & 0o111 ? 0o755 : 0o644);
    await utimes(path, FIXED_MTIME, FIXED_MTIME);
  });
}
