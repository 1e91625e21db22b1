import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAppSpec } from './appspec.js';
import { installRevision } from './install.js';

describe('installRevision', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'install-test-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const revision = async (name: string, files: Record<string, string>) => {
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(dir, name, path, '..'), { recursive: true });
      await writeFile(join(dir, name, path), text);
    }
    return join(dir, name);
  };
  const spec = (extra = '') =>
    parseAppSpec(`version: 0.0\nos: linux\nfiles:\n  - source: /\n    destination: /opt/app\n${extra}`);
  const root = () => join(dir, 'root');
  const cleanupFile = () => join(dir, 'agent', 'cleanup');

  it('copies per files, then removes what the previous deployment installed', async () => {
    await installRevision({
      spec: spec(),
      archiveDir: await revision('one', { 'a.txt': '1', 'old/gone.txt': 'x' }),
      root: root(),
      cleanupFile: cleanupFile(),
    });
    expect(await readFile(join(root(), 'opt/app/old/gone.txt'), 'utf8')).toBe('x');
    await installRevision({
      spec: spec(),
      archiveDir: await revision('two', { 'a.txt': '2' }),
      root: root(),
      cleanupFile: cleanupFile(),
    });
    expect(await readFile(join(root(), 'opt/app/a.txt'), 'utf8')).toBe('2');
    expect(existsSync(join(root(), 'opt/app/old'))).toBe(false);
  });

  it('refuses to overwrite a file it did not install when file_exists_behavior is DISALLOW', async () => {
    await mkdir(join(root(), 'opt/app'), { recursive: true });
    await writeFile(join(root(), 'opt/app/a.txt'), 'by hand');
    const archiveDir = await revision('one', { 'a.txt': '1' });
    await expect(
      installRevision({ spec: spec(), archiveDir, root: root(), cleanupFile: cleanupFile() }),
    ).rejects.toThrow(`${join(root(), 'opt/app/a.txt')} already exists and file_exists_behavior is DISALLOW`);
    await installRevision({
      spec: spec('file_exists_behavior: OVERWRITE\n'),
      archiveDir,
      root: root(),
      cleanupFile: cleanupFile(),
    });
    expect(await readFile(join(root(), 'opt/app/a.txt'), 'utf8')).toBe('1');
  });

  it('applies permission modes by type and pattern', async () => {
    const archiveDir = await revision('one', { 'bin/run.sh': '#!/bin/sh', 'bin/data.txt': 'd' });
    const rules = `permissions:
  - object: /opt/app
    mode: 750
    type: [directory]
  - object: /opt/app
    mode: 640
    type: [file]
  - object: /opt/app/bin
    pattern: "*.sh"
    mode: 755
    type: [file]
`;
    await installRevision({ spec: spec(rules), archiveDir, root: root(), cleanupFile: cleanupFile() });
    const mode = async (path: string) =>
      ((await stat(join(root(), 'opt/app', path))).mode & 0o777).toString(8);
    expect(await mode('.')).toBe('750');
    expect(await mode('bin')).toBe('750');
    expect(await mode('bin/run.sh')).toBe('755');
    expect(await mode('bin/data.txt')).toBe('640');
  });
});
