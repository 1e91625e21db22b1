/**
 * The one zip writer for revisions (the codedeploy-deploy action's folder bundles, the rehearsal's
 * `npm run bundle`): the same files give the same bytes on every run and every machine with the same
 * zlib. Entries are sorted by path, every timestamp is the DOS epoch (1980-01-01 00:00), and
 * permissions are normalised to 0644 — or 0755 when the source file has any execute bit, because the
 * CodeDeploy agent runs hook scripts as they are unpacked. Layout: PKWARE APPNOTE.TXT 4.3.7 (local
 * file header), 4.3.12 (central directory header), 4.3.16 (end of central directory record).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntry {
  /** Path inside the archive, with forward slashes. */
  path: string;
  data: Buffer;
  executable: boolean;
}

const DOS_EPOCH_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
const DOS_EPOCH_TIME = 0;
const MADE_BY_UNIX = (3 << 8) | 20;
const VERSION_NEEDED = 20;
const UTF8_NAMES = 1 << 11;

/** The fields the local and the central header share (APPNOTE 4.4.3–4.4.11), from "version needed" on. */
function sharedFields(header: Buffer, at: number, entry: ZipEntry, body: Buffer, stored: boolean): void {
  header.writeUInt16LE(VERSION_NEEDED, at);
  header.writeUInt16LE(UTF8_NAMES, at + 2);
  header.writeUInt16LE(stored ? 0 : 8, at + 4);
  header.writeUInt16LE(DOS_EPOCH_TIME, at + 6);
  header.writeUInt16LE(DOS_EPOCH_DATE, at + 8);
  header.writeUInt32LE(crc32(entry.data), at + 10);
  header.writeUInt32LE(body.length, at + 14);
  header.writeUInt32LE(entry.data.length, at + 18);
  header.writeUInt16LE(Buffer.byteLength(entry.path, 'utf8'), at + 22);
}

export function writeZip(entries: readonly ZipEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  if (sorted.length > 0xfffe)
    throw new Error(`A bundle of ${sorted.length} files needs zip64, which this writer does not do`);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of sorted) {
    const name = Buffer.from(entry.path, 'utf8');
    const deflated = deflateRawSync(entry.data, { level: 9 });
    const stored = deflated.length >= entry.data.length;
    const body = stored ? entry.data : deflated;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    sharedFields(local, 4, entry, body, stored);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(MADE_BY_UNIX, 4);
    sharedFields(central, 6, entry, body, stored);
    const mode = entry.executable ? 0o100755 : 0o100644;
    central.writeUInt32LE(mode * 0x10000, 38); // external attributes: Unix mode in the high 16 bits
    central.writeUInt32LE(offset, 42);

    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
    if (offset > 0xffffffff)
      throw new Error('A bundle over 4 GiB needs zip64, which this writer does not do');
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(sorted.length, 8);
  end.writeUInt16LE(sorted.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/**
 * Every regular file under `root` (symlinks followed) as a zip entry, with forward-slash paths and
 * its execute bit. Anything that is neither a file nor a folder (a socket, a fifo) is left out.
 */
export async function folderEntries(root: string): Promise<ZipEntry[]> {
  const entries: ZipEntry[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const dirent of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, dirent.name);
      const info = await stat(full);
      if (info.isDirectory()) await walk(full);
      else if (info.isFile()) {
        entries.push({
          path: relative(root, full).split(sep).join('/'),
          data: await readFile(full),
          executable: (info.mode & 0o111) !== 0,
        });
      }
    }
  };
  await walk(root);
  return entries;
}
