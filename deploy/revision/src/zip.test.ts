import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readZip } from './unzip.js';
import { folderEntries, writeZip } from './zip.js';

const APPSPEC = `version: 0.0
os: linux
files:
  - source: /
    destination: /opt/dealership
hooks:
  ValidateService:
    - location: hooks/validate.sh
      timeout: 300
`;

function makeFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
  mkdirSync(join(dir, 'hooks'));
  mkdirSync(join(dir, 'service', 'dist'), { recursive: true });
  writeFileSync(join(dir, 'appspec.yml'), APPSPEC);
  writeFileSync(join(dir, 'hooks', 'validate.sh'), '#!/bin/sh\ncurl -fsS http://127.0.0.1:3000/health\n');
  chmodSync(join(dir, 'hooks', 'validate.sh'), 0o700);
  writeFileSync(join(dir, 'service', 'dist', 'main.js'), 'console.log("dealership");\n'.repeat(50));
  chmodSync(join(dir, 'service', 'dist', 'main.js'), 0o600);
  return dir;
}

describe('the zip writer', () => {
  it('zips the same folder to the same bytes twice, whatever the files’ times', async () => {
    const dir = makeFolder();
    const first = writeZip(await folderEntries(dir));
    utimesSync(join(dir, 'appspec.yml'), new Date('2030-01-01'), new Date('2030-01-01'));
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
    expect(rows.map((r) => r.split(/\s+/).at(-1))).toEqual([
      'appspec.yml',
      'hooks/validate.sh',
      'service/dist/main.js',
    ]);
    expect(rows.map((r) => r.slice(0, 10))).toEqual(['-rw-r--r--', '-rwxr-xr-x', '-rw-r--r--']);
    expect(rows.every((r) => r.includes('80-Jan-01 00:00'))).toBe(true);
    const target = mkdtempSync(join(tmpdir(), 'unzipped-'));
    execFileSync('unzip', ['-q', out, '-d', target]);
    expect(statSync(join(target, 'hooks', 'validate.sh')).mode & 0o777).toBe(0o755);
  });

  it('reads back what it wrote: paths, execute bits and contents', async () => {
    const dir = makeFolder();
    const listing = readZip(writeZip(await folderEntries(dir)), 'bundle.zip');
    expect(listing.map((e) => [e.path, e.executable])).toEqual([
      ['appspec.yml', false],
      ['hooks/validate.sh', true],
      ['service/dist/main.js', false],
    ]);
    expect(listing[0]!.read().toString('utf8')).toBe(APPSPEC);
  });
});
