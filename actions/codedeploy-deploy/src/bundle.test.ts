import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
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
