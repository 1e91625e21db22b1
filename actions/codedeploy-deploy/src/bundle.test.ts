import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBundle } from './bundle.js';

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

describe('the revision bundle', () => {
  it('zips the same folder to the same bytes twice, whatever the files’ times', async () => {
    const dir = makeFolder();
    const first = await loadBundle(dir);
    utimesSync(join(dir, 'appspec.yml'), new Date('2030-01-01'), new Date('2030-01-01'));
    const second = await loadBundle(dir);
    expect(second.zip.equals(first.zip)).toBe(true);
    expect(second.sha256).toBe(first.sha256);
    expect(first.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('writes a zip unzip accepts, sorted, dated 1980, 0644 except scripts that were executable (0755)', async () => {
    const dir = makeFolder();
    const out = join(mkdtempSync(join(tmpdir(), 'zip-')), 'bundle.zip');
    writeFileSync(out, (await loadBundle(dir)).zip);
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

  it('reads a zip the user built, with its files, execute bits and appspec', async () => {
    const dir = makeFolder();
    const out = join(mkdtempSync(join(tmpdir(), 'zip-')), 'own.zip');
    execFileSync('zip', ['-qr', out, '.'], { cwd: dir });
    const bundle = await loadBundle(out);
    expect(bundle.appspec).toBe(APPSPEC);
    expect(bundle.files.get('hooks/validate.sh')).toEqual({ executable: true });
    expect(bundle.files.get('service/dist/main.js')).toEqual({ executable: false });
  });

  it('names the bundle input when the path is missing or has no appspec.yml', async () => {
    await expect(loadBundle('/nonexistent/bundle')).rejects.toThrow(
      'Input "bundle" must be a folder with appspec.yml or a .zip file, and does not exist; got "/nonexistent/bundle".',
    );
    const empty = mkdtempSync(join(tmpdir(), 'empty-'));
    writeFileSync(join(empty, 'README'), 'x');
    await expect(loadBundle(empty)).rejects.toThrow(/"bundle" has no appspec.yml at its root/);
  });
});
