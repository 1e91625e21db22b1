import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runChecked } from '../process.js';
import { buildBundle } from './build.js';
import { bundleCommit } from './revision.js';

/** `unzip -Z -T`: mode, version, os, size, type, method, time, then the name (which may hold spaces). */
async function zipListing(zip: string) {
  const listing = await runChecked('unzip', ['-Z', '-T', zip]);
  return listing.split('\n').flatMap((line) => {
    const match = /^([-dlrwx]{10})\s+\S+\s+\S+\s+\d+\s+\S+\s+\S+\s+(\S+)\s(.+)$/.exec(line);
    return match ? [{ mode: match[1]!, time: match[2]!, name: match[3]! }] : [];
  });
}

describe('the revision bundle', () => {
  const first = inject('revisions').one;
  let dir: string;
  let entries: Map<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bundle-test-'));
    entries = new Map((await zipListing(first.file)).map((entry) => [entry.name, entry.mode]));
  }, 120_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is the same bytes when built again from the same sources', async () => {
    const again = await buildBundle({ commit: first.commit, outFile: join(dir, 'again.zip') });
    expect(again.sha256).toBe(first.sha256);
  }, 120_000);

  it('names its commit in REVISION', async () => {
    expect(await bundleCommit(first.file)).toBe('rev-one');
  });

  it('holds the appspec, the executable hooks, the unit and the compiled service', () => {
    expect(entries.get('appspec.yml')).toBe('-rw-r--r--');
    expect(entries.get('deploy/hooks/validate-service.sh')).toBe('-rwxr-xr-x');
    expect(entries.get('deploy/hooks/lib.sh')).toBe('-rw-r--r--');
    expect(entries.has('deploy/systemd/dealership.service')).toBe(true);
    expect(entries.has('service/dist/main.js')).toBe(true);
    expect(entries.has('service/dist/cli/migrate.js')).toBe(true);
    expect([...entries.keys()].filter((name) => name.endsWith('.test.ts'))).toEqual([]);
  });

  it('carries the production dependencies with the native sqlite3 addon, and no dev dependencies', () => {
    const names = [...entries.keys()];
    expect(names).toContain('service/node_modules/sequelize/package.json');
    expect(names).toContain('service/node_modules/mysql2/package.json');
    expect(
      names.some((name) => /^service\/node_modules\/sqlite3\/build\/Release\/[^/]+\.node$/.test(name)),
    ).toBe(true);
    expect(names.filter((name) => name.startsWith('service/node_modules/vitest/'))).toEqual([]);
    expect(names.filter((name) => name.startsWith('service/node_modules/tsx/'))).toEqual([]);
    expect(names.filter((name) => name.endsWith('.d.ts'))).toEqual([]);
  });

  it('lists its entries sorted, with one fixed time', async () => {
    const names = [...entries.keys()];
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const stamps = new Set((await zipListing(first.file)).map((entry) => entry.time));
    expect([...stamps]).toEqual(['20000101.000000']);
  });

  it('refuses a commit that could not be a file line', async () => {
    await expect(buildBundle({ commit: 'a b', outFile: join(dir, 'x.zip') })).rejects.toThrow(
      `commit must be letters, digits, '.', '_' or '-', got "a b"`,
    );
  });
});
