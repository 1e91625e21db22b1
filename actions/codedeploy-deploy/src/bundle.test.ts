import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRevisionFolder } from '../../test-support/revision.js';
import { loadBundle } from './bundle.js';

/** A revision folder whose script is executable for its owner only and whose application file for no one. */
function makeFolder(): string {
  const dir = makeRevisionFolder({
    files: { 'service/dist/main.js': 'console.log("dealership");\n'.repeat(50) },
  });
  chmodSync(join(dir, 'hooks', 'validate.sh'), 0o700);
  chmodSync(join(dir, 'service', 'dist', 'main.js'), 0o600);
  return dir;
}

describe('the revision bundle', () => {
  it('reads a zip the user built, with its files, execute bits and appspec', async () => {
    const dir = makeFolder();
    const out = join(mkdtempSync(join(tmpdir(), 'zip-')), 'own.zip');
    execFileSync('zip', ['-qr', out, '.'], { cwd: dir });
    const bundle = await loadBundle(out);
    expect(bundle.appspec).toBe(readFileSync(join(dir, 'appspec.yml'), 'utf8'));
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
