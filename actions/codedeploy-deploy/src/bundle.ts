import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { folderEntries, readZip, writeZip } from '@dealership/revision';
import { InputError } from '../../lib/index.js';

/** A revision ready to upload: the zip's bytes, their SHA-256, and what is inside (for validation). */
export interface Bundle {
  zip: Buffer;
  sha256: string;
  /** Every file in the bundle and whether it is executable. */
  files: Map<string, { executable: boolean }>;
  /** The text of appspec.yml at the bundle's root. */
  appspec: string;
}

/** Zips a folder reproducibly, or reads a zip the user built; either way finds appspec.yml. */
export async function loadBundle(path: string): Promise<Bundle> {
  const info = await stat(path).catch(() => undefined);
  if (!info)
    throw new InputError(
      'bundle',
      path,
      'must be a folder with appspec.yml or a .zip file, and does not exist',
    );
  let zip: Buffer;
  let listing: Array<{ path: string; executable: boolean; read: () => Buffer }>;
  if (info.isDirectory()) {
    const entries = await folderEntries(path);
    zip = writeZip(entries);
    listing = entries.map((e) => ({ path: e.path, executable: e.executable, read: () => e.data }));
  } else if (path.endsWith('.zip')) {
    zip = await readFile(path);
    listing = readZip(zip, path);
  } else {
    throw new InputError('bundle', path, 'must be a folder with appspec.yml or a .zip file');
  }
  const appspec = listing.find((e) => e.path === 'appspec.yml');
  if (!appspec) throw new InputError('bundle', path, 'has no appspec.yml at its root');
  return {
    zip,
    sha256: createHash('sha256').update(zip).digest('hex'),
    files: new Map(listing.map((e) => [e.path, { executable: e.executable }])),
    appspec: appspec.read().toString('utf8'),
  };
}
