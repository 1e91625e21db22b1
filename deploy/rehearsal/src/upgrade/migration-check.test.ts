import { beforeAll, describe, expect, it } from 'vitest';
import { runChecked } from '../process.js';
import {
  ADD_LEGACY_CODE,
  ADD_LOYALTY,
  ADD_REQUIRED_TIER,
  BROKEN,
  DROP_LEGACY_CODE,
  DROP_MECHANICS,
  EMAIL_ADDRESS_MODEL,
  type FixtureRevisions,
  fixtureRevisionsForTests,
  RENAME_EMAIL,
} from '../test-support/upgrade-fixtures.js';
import { readModelUsage } from './code-usage.js';
import { checkMigrations } from './migration-check.js';
import type { Revision } from './revision.js';

describe('the migration check (base migrations, then the head’s, on a scratch database)', () => {
  const made = fixtureRevisionsForTests();
  let fixtures: FixtureRevisions;
  let base: Revision;
  beforeAll(() => {
    ({ fixtures, base } = made);
  });

  it("reads the base's models from its built service: tables and column names as the database has them", async () => {
    const usage = await readModelUsage(base);
    expect(usage.customers?.map((column) => column.field)).toEqual([
      'id',
      'first_name',
      'last_name',
      'phone',
      'email',
      'address',
      'city',
      'state',
      'zip',
    ]);
    // A field renamed in the model (condition → car_condition) is the column's name.
    expect(usage.cars?.find((column) => column.attribute === 'condition')).toMatchObject({
      model: 'cars',
      field: 'car_condition',
    });
    expect(Object.keys(usage)).toContain('api_tokens');
  });

  it('passes an additive migration (a nullable column, a new table) and lists it', async () => {
    const head = await fixtures.with('head', base, 'fixture-additive', [ADD_LOYALTY]);
    const check = await checkMigrations({ base, head, dir: fixtures.dir });
    expect(check.status).toBe('passed');
    expect(check.baseMigrations).toContain('0001-initial-schema');
    expect(check.newMigrations).toEqual(['9001-fixture-add-loyalty']);
    expect(check.changes).toEqual([
      'added table `loyalty_programs`',
      'added column `customers.loyalty_tier` (VARCHAR(16) NULL)',
    ]);
    expect(check.findings).toEqual([]);
  });

  it('fails a rename of a column the base code reads, explaining expand/contract', async () => {
    const head = await fixtures.with('head', base, 'fixture-rename', [RENAME_EMAIL], EMAIL_ADDRESS_MODEL);
    const check = await checkMigrations({ base, head, dir: fixtures.dir });
    expect(check.status).toBe('failed');
    expect(check.changes).toEqual(['renamed column `customers.email` to `email_address`']);
    expect(check.findings).toHaveLength(1);
    const [finding] = check.findings;
    expect(finding).toMatchObject({
      kind: 'renamed-column',
      table: 'customers',
      column: 'email',
      to: 'email_address',
      usedBy: 'model customers, attribute email',
    });
    // The sequence to use instead, in order: add new, write both/read new, backfill, stop using old, drop old later.
    expect(finding!.explanation).toMatch(
      /adds `email_address`.*writes both columns and reads `email_address`.*backfill.*uses only `email_address`.*drops it/,
    );
  });

  it('fails a dropped table the base code maps, naming each', async () => {
    const head = await fixtures.with('head', base, 'fixture-drop-table', [DROP_MECHANICS]);
    const check = await checkMigrations({ base, head, dir: fixtures.dir });
    expect(check.status).toBe('failed');
    expect(check.findings.map((f) => [f.kind, f.table, f.usedBy])).toEqual([
      ['dropped-table', 'mechanics', 'model mechanics'],
      ['dropped-table', 'ticket_labor_lines', 'model ticket_labor_lines'],
    ]);
    expect(check.findings[0]!.explanation).toMatch(
      /no longer reads or writes `mechanics`.*later release.*drops it/,
    );
  });

  describe('a column the base code no longer uses', () => {
    let legacyBase: Revision;
    beforeAll(async () => {
      // The base added legacy_code in an earlier release and no model maps it any more; a comment may name it.
      const added = await fixtures.with('base', base, 'fixture-legacy-base', [ADD_LEGACY_CODE]);
      legacyBase = await fixtures.withFile(
        'base',
        added,
        'fixture-legacy-base-commented',
        'service/dist/db/legacy-note.js',
        '// customers.legacy_code was read by the import job, retired in the last release.\nexport {};\n',
      );
    });

    it('passes its drop', async () => {
      const head = await fixtures.with('head', legacyBase, 'fixture-legacy-drop', [DROP_LEGACY_CODE]);
      const check = await checkMigrations({ base: legacyBase, head, dir: fixtures.dir });
      expect(check.changes).toEqual(['dropped column `customers.legacy_code`']);
      expect(check.findings).toEqual([]);
      expect(check.status).toBe('passed');
    });

    it('fails its drop when the base code still names it in a raw query', async () => {
      const rawQuery = await fixtures.withFile(
        'base',
        legacyBase,
        'fixture-legacy-base-raw',
        'service/dist/db/legacy-report.js',
        "export const LEGACY = 'SELECT id, legacy_code FROM customers WHERE legacy_code IS NOT NULL';\n",
      );
      const head = await fixtures.with('head', rawQuery, 'fixture-legacy-drop-2', [DROP_LEGACY_CODE]);
      const check = await checkMigrations({ base: rawQuery, head, dir: fixtures.dir });
      expect(check.status).toBe('failed');
      expect(check.findings).toMatchObject([
        {
          kind: 'dropped-column',
          table: 'customers',
          column: 'legacy_code',
          usedBy: 'named with `customers` in service/dist/db/legacy-report.js',
        },
      ]);
    });
  });

  it('fails with the migration’s own error when the head’s migrations cannot run on the base’s schema', async () => {
    const head = await fixtures.with('head', base, 'fixture-broken', [BROKEN]);
    const check = await checkMigrations({ base, head, dir: fixtures.dir });
    expect(check.status).toBe('failed');
    expect(check.error).toMatch(
      /head revision's migrations \(fixture-broken\) failed on the base revision's schema/,
    );
    expect(check.error).toMatch(/no such table: stock_levels/);
    expect(check.findings).toEqual([]);
  });

  it('fails a NOT NULL column without a default on a table the base inserts into', async () => {
    const head = await fixtures.with('head', base, 'fixture-required-sqlite', [ADD_REQUIRED_TIER]);
    const check = await checkMigrations({ base, head, dir: fixtures.dir });
    expect(check.status).toBe('failed');
    expect(check.findings).toMatchObject([{ kind: 'required-column', table: 'customers', column: 'tier' }]);
    expect(check.findings[0]!.explanation).toMatch(/nullable or with a default.*backfill.*NOT NULL/);
  });

  describe('on MariaDB (a database of its own on 127.0.0.1:3306, dropped after)', () => {
    const server = new URL('mysql://root@127.0.0.1:3306');
    const databases = async () =>
      (await runChecked('mariadb', ['-uroot', '-h127.0.0.1', '-N', '-e', 'SHOW DATABASES'])).split('\n');

    it('fails the NOT NULL column there too, and leaves no database behind', async () => {
      const before = await databases();
      const head = await fixtures.with('head', base, 'fixture-required-mysql', [ADD_REQUIRED_TIER]);
      const check = await checkMigrations({ base, head, dir: fixtures.dir, mysqlServer: server });
      expect(check.database).toBe('mysql');
      expect(check.status).toBe('failed');
      expect(check.changes).toEqual(['added column `customers.tier` (VARCHAR(16) NOT NULL)']);
      expect(check.findings).toMatchObject([{ kind: 'required-column', table: 'customers', column: 'tier' }]);
      // Other tests on this machine create and drop databases of their own meanwhile: look at the check's only.
      const left = (await databases()).filter(
        (name) => name.startsWith('dealership_check_') && !before.includes(name),
      );
      expect(left).toEqual([]);
    });
  });
});
