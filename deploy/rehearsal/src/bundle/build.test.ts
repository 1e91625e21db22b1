import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SERVICE_DIR } from '../paths.js';
import { run, runChecked } from '../process.js';
import { buildBundle } from './build.js';
import { bundleCommit } from './revision.js';
import { UMZUG_CLI_LEFT_OUT } from './service-build.js';

/** `unzip -Z -T`: mode, version, os, size, type, method, time, then the name (which may hold spaces). */
async function zipListing(zip: string) {
  const listing = await runChecked('unzip', ['-Z', '-T', zip]);
  return listing.split('\n').flatMap((line) => {
    const match = /^([-dlrwx]{10})\s+\S+\s+\S+\s+\d+\s+\S+\s+\S+\s+(\S+)\s(.+)$/.exec(line);
    return match ? [{ mode: match[1]!, time: match[2]!, name: match[3]! }] : [];
  });
}

describe('the revision bundle', () => {
  const first = inject('revisions').production.one;
  const withSqlite3 = inject('revisions').one;
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

  it('holds the appspec, the executable hooks, the unit and the service compiled into a few files', () => {
    expect(entries.get('appspec.yml')).toBe('-rw-r--r--');
    expect(entries.get('deploy/hooks/validate-service.sh')).toBe('-rwxr-xr-x');
    expect(entries.get('deploy/hooks/lib.sh')).toBe('-rw-r--r--');
    expect(entries.has('deploy/systemd/dealership.service')).toBe(true);
    const dist = [...entries.keys()].filter((name) => name.startsWith('service/dist/'));
    expect(dist).toContain('service/dist/main.js');
    expect(dist).toContain('service/dist/cli/migrate.js');
    expect(dist).toContain('service/dist/THIRD-PARTY-LICENSES.txt');
    // The entry points, the chunks they share, the licences: no module tree.
    expect(dist.length).toBeLessThan(12);
    expect([...entries.keys()].filter((name) => name.endsWith('.test.ts'))).toEqual([]);
  });

  it('ships only swagger-ui-dist beside the bundle, and runs on SQLite only with the sqlite3 opt-in', async () => {
    const packages = new Set(
      [...entries.keys()].flatMap((name) => /^service\/node_modules\/([^/]+)\//.exec(name)?.[1] ?? []),
    );
    expect([...packages]).toEqual(['swagger-ui-dist']);
    // Each revision unpacked alone, so the bundle can reach nothing of this repository's node_modules.
    const migrate = async (zip: string, name: string) => {
      const unpacked = join(dir, name);
      await runChecked('unzip', ['-q', zip, '-d', unpacked]);
      return run(process.execPath, [join(unpacked, 'service/dist/cli/migrate.js'), 'up'], {
        env: { PATH: process.env.PATH, DATABASE_URL: `sqlite:${join(dir, `${name}.sqlite`)}` },
      });
    };
    const production = await migrate(first.file, 'production');
    expect(production.code).toBe(1);
    expect(production.stderr).toContain('Please install sqlite3 package manually');
    const optedIn = await migrate(withSqlite3.file, 'with-sqlite3');
    expect(optedIn.stderr).toBe('');
    // Every migration of the service's, in order (service/src/migrations/NNNN-name.ts).
    const migrations = readdirSync(join(SERVICE_DIR, 'src', 'migrations'))
      .filter((name) => /^\d{4}-.+\.ts$/.test(name))
      .map((name) => name.slice(0, -3))
      .sort();
    expect(migrations[0]).toBe('0001-initial-schema');
    expect(JSON.parse(optedIn.stdout)).toEqual({ applied: migrations });
  }, 60_000);

  it('ships sqlite3 and what its code requires only when asked, with the addon and without its sources', async () => {
    expect([...entries.keys()].some((name) => name.includes('sqlite3'))).toBe(false);
    const names = (await zipListing(withSqlite3.file)).map((entry) => entry.name);
    const sqlite = names.filter((name) => name.startsWith('service/node_modules/'));
    expect(sqlite).toContain('service/node_modules/sqlite3/build/Release/node_sqlite3.node');
    expect(sqlite).toContain('service/node_modules/sqlite3/lib/sqlite3.js');
    expect(sqlite).toContain('service/node_modules/bindings/bindings.js');
    expect(sqlite).toContain('service/node_modules/file-uri-to-path/index.js');
    // Not its C sources, its build tree or the tools npm uses to install it.
    expect(sqlite.filter((name) => /sqlite3\/(src|deps|build\/Release\/obj)/.test(name))).toEqual([]);
    expect(
      sqlite.filter((name) => /node_modules\/(prebuild-install|tar|node-addon-api)\//.test(name)),
    ).toEqual([]);
  });

  it('names every bundled package and its licence in THIRD-PARTY-LICENSES.txt', async () => {
    const notice = await runChecked('unzip', ['-p', first.file, 'service/dist/THIRD-PARTY-LICENSES.txt']);
    for (const name of ['sequelize@', 'mysql2@', 'koa@', 'pino@', 'zod@', 'umzug@']) {
      expect(notice).toContain(name);
    }
    expect(notice).toMatch(/Permission is hereby granted/);
  });

  it("leaves umzug's command line and what only it loads out, in its place a module saying so", async () => {
    const notice = await runChecked('unzip', ['-p', first.file, 'service/dist/THIRD-PARTY-LICENSES.txt']);
    expect(notice).not.toMatch(/@rushstack\/|argparse@|z-schema@/);
    const chunks = [...entries.keys()].filter((name) => /^service\/dist\/[^/]+\.js$/.test(name));
    const code = await Promise.all(chunks.map((name) => runChecked('unzip', ['-p', first.file, name])));
    expect(code.filter((text) => text.includes(JSON.stringify(UMZUG_CLI_LEFT_OUT)))).toHaveLength(1);
  });

  it('lists its entries sorted, with one fixed time', async () => {
    const names = [...entries.keys()];
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const stamps = new Set((await zipListing(first.file)).map((entry) => entry.time));
    expect([...stamps]).toEqual(['19800101.000000']);
  });

  it('refuses a commit that could not be a file line', async () => {
    await expect(buildBundle({ commit: 'a b', outFile: join(dir, 'x.zip') })).rejects.toThrow(
      `commit must be letters, digits, '.', '_' or '-', got "a b"`,
    );
  });
});
