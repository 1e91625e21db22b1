import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readZip } from './unzip.js';
import { folderEntries, writeZip } from './zip.js';

/** A folder of three files: a text file, a script someone made executable for themselves only, and data no one may execute. */
function makeFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zip-source-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'data', 'deep'), { recursive: true });
  writeFileSync(join(dir, 'README'), 'three files\n');
  writeFileSync(join(dir, 'bin', 'run.sh'), '#!/bin/sh\necho run\n', { mode: 0o700 });
  writeFileSync(join(dir, 'data', 'deep', 'table.csv'), 'a,b\n1,2\n'.repeat(100), { mode: 0o600 });
  return dir;
}

describe('the zip writer', () => {
  it('zips the same folder to the same bytes twice, whatever the files’ times', async () => {
    const dir = makeFolder();
    const first = writeZip(await folderEntries(dir));
    utimesSync(join(dir, 'README'), new Date('2030-01-01'), new Date('2030-01-01'));
    const second = writeZip(await folderEntries(dir));
    expect(second.equals(first)).toBe(true);
  });

  it('writes a zip unzip accepts, sorted, dated 1980, 0644 except scripts that were executable (0755)', async () => {
    const dir = makeFolder();
    const out = join(mkdtempSync(join(tmpdir(), 'zip-')), 'bundle.zip');
    writeFileSync(out, writeZip(await folderEntries(dir)));
    execFileSync('unzip', ['-tq', out]);
    const listing = execFileSync('zipinfo', [out]).toString();
    const rows = listing.split('\n').filter((l) => /^-/.test(l));
    expect(rows.map((r) => r.split(/\s+/).at(-1))).toEqual(['README', 'bin/run.sh', 'data/deep/table.csv']);
    expect(rows.map((r) => r.slice(0, 10))).toEqual(['-rw-r--r--', '-rwxr-xr-x', '-rw-r--r--']);
    expect(rows.every((r) => r.includes('80-Jan-01 00:00'))).toBe(true);
    const target = mkdtempSync(join(tmpdir(), 'unzipped-'));
    execFileSync('unzip', ['-q', out, '-d', target]);
    expect(statSync(join(target, 'bin', 'run.sh')).mode & 0o777).toBe(0o755);
  });

  it('reads back what it wrote: paths, execute bits and contents', async () => {
    const dir = makeFolder();
    const listing = readZip(writeZip(await folderEntries(dir)), 'bundle.zip');
    expect(listing.map((e) => [e.path, e.executable])).toEqual([
      ['README', false],
      ['bin/run.sh', true],
      ['data/deep/table.csv', false],
    ]);
    expect(listing[0]!.read().toString('utf8')).toBe('three files\n');
    expect(listing[2]!.read().toString('utf8')).toBe('a,b\n1,2\n'.repeat(100));
  });
});
