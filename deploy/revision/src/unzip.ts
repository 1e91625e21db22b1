/**
 * Reads a zip bundle the user built themselves, enough to validate it before it is deployed: the list
 * of files (with their execute bits) and the contents of one file (appspec.yml).
 */
import { inflateRawSync } from 'node:zlib';

export interface ZipListing {
  path: string;
  executable: boolean;
  read(): Buffer;
}

export function readZip(zip: Buffer, file: string): ZipListing[] {
  const endAt = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endAt < 0 || zip.length - endAt < 22)
    throw new Error(`${file} is not a zip file (no end of central directory)`);
  const count = zip.readUInt16LE(endAt + 10);
  let at = zip.readUInt32LE(endAt + 16);
  const entries: ZipListing[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file} has a damaged central directory`);
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const madeByUnix = zip.readUInt8(at + 5) === 3;
    const mode = zip.readUInt32LE(at + 38) >>> 16;
    const localAt = zip.readUInt32LE(at + 42);
    const path = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (path.endsWith('/')) continue;
    entries.push({
      path,
      executable: madeByUnix && (mode & 0o111) !== 0,
      read: () => {
        const dataAt = localAt + 30 + zip.readUInt16LE(localAt + 26) + zip.readUInt16LE(localAt + 28);
        const data = zip.subarray(dataAt, dataAt + compressedSize);
        if (method === 0) return Buffer.from(data);
        if (method === 8) return inflateRawSync(data);
        throw new Error(`${file}: ${path} uses zip compression method ${method}, which cannot be read here`);
      },
    });
  }
  return entries;
}
