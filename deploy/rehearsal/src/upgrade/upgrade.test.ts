import { beforeAll, describe, expect, it } from 'vitest';
import { formatLoad } from '../report.js';
import {
  ADD_LOYALTY,
  EMAIL_ADDRESS_MODEL,
  type FixtureRevisions,
  fixtureRevisionsForTests,
  RENAME_EMAIL,
} from '../test-support/upgrade-fixtures.js';
import { runUpgradeCheck, type UpgradeCheckReport } from './check.js';
import { renderUpgradeMarkdown } from './report.js';
import type { Revision } from './revision.js';

/** Everything a failing expectation needs to be understood: the report as the pull request would see it. */
const shown = (report: UpgradeCheckReport) =>
  `${renderUpgradeMarkdown(report)}\n${[report.rehearsal?.upgrade, report.rehearsal?.rollback]
    .map((phase) => (phase ? formatLoad(phase.load) : ''))
    .join('\n')}`;

describe('the upgrade check, rehearsed on instances behind HAProxy under load', () => {
  const made = fixtureRevisionsForTests();
  let fixtures: FixtureRevisions;
  let base: Revision;
  beforeAll(() => {
    ({ fixtures, base } = made);
  });

  it('passes an additive upgrade on three instances sharing MariaDB: no failed request going up or back, the migration listed', async () => {
    const head = await fixtures.with('head', base, 'rev-additive', [ADD_LOYALTY]);
    const report = await runUpgradeCheck({
      base,
      head,
      dir: fixtures.dir,
      mysqlServer: new URL('mysql://root@127.0.0.1:3306'),
      instances: 3,
      rate: 30,
      holdMs: 2000,
    });
    expect(report.problems, shown(report)).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.migrationCheck).toMatchObject({
      status: 'passed',
      database: 'mysql',
      newMigrations: ['9001-fixture-add-loyalty'],
    });

    const { rehearsal } = report;
    expect(rehearsal?.database).toBe('mysql');
    const upgrade = rehearsal!.upgrade!;
    expect(upgrade.deployment.status).toBe('Succeeded');
    expect(upgrade.load.failed).toBe(0);
    expect(upgrade.load.byKind.extra).toBeGreaterThan(20);
    // Old and new code both answered through the balancer while the instances changed over.
    expect(Object.keys(upgrade.load.commits).sort()).toEqual(['rev-additive', 'rev-one']);
    // The first instance's AfterInstall applied the migration; the others found nothing pending.
    expect(upgrade.migrationsApplied.map(({ instance, migrations }) => [instance, migrations])).toEqual([
      ['inst1', ['9001-fixture-add-loyalty']],
      ['inst2', []],
      ['inst3', []],
    ]);
    expect(upgrade.serviceErrors).toEqual([]);

    const rollback = rehearsal!.rollback!;
    expect(rollback.deployment.status).toBe('Succeeded');
    expect(rollback.load.failed).toBe(0);
    expect(rollback.migrationsApplied.every(({ migrations }) => migrations.length === 0)).toBe(true);
    expect(Object.keys(rollback.load.commits).sort()).toEqual(['rev-additive', 'rev-one']);

    const markdown = renderUpgradeMarkdown(report);
    expect(markdown).toContain('### Upgrade rehearsal: passed');
    expect(markdown).toContain(
      "**Migrations applied:** `9001-fixture-add-loyalty` — by inst1's AfterInstall",
    );
    expect(markdown).toContain('added column `customers.loyalty_tier` (VARCHAR(16) NULL)');
    expect(markdown).toMatch(/\| Upgrade to this pull request \| deployed, no failed request \| \d+ \| 0 \|/);
    expect(markdown).toMatch(
      /\| Rollback to the base \(migrations kept\) \| deployed, no failed request \| \d+ \| 0 \|/,
    );
    expect(markdown).toContain('<details><summary>Per-event timings</summary>');
  }, 420_000);

  it('rehearsed past the check, a renamed column fails requests on the old instances, and again on rollback', async () => {
    const head = await fixtures.with('head', base, 'rev-rename', [RENAME_EMAIL], EMAIL_ADDRESS_MODEL);
    const report = await runUpgradeCheck({
      base,
      head,
      dir: fixtures.dir,
      skipMigrationCheck: true,
      instances: 2,
      rate: 30,
      holdMs: 1000,
    });
    expect(report.passed, shown(report)).toBe(false);
    expect(report.migrationCheck).toBe('skipped');
    const { upgrade, rollback } = report.rehearsal!;

    // The deployments themselves succeed: ValidateService does not read customers.
    expect(upgrade!.deployment.status).toBe('Succeeded');
    expect(upgrade!.migrationsApplied[0]).toMatchObject({
      instance: 'inst1',
      migrations: ['9002-fixture-rename-customer-email'],
    });
    expect(upgrade!.load.failed, shown(report)).toBeGreaterThan(0);
    expect(upgrade!.load.failures.map((failure) => failure.reason).join('\n')).toMatch(/\/customers.* → 500/);
    // What failed, failed on inst2 while it still ran the base, after inst1 had migrated.
    const oldInstance = upgrade!.serviceErrors.filter(
      (error) => error.instance === 'inst2' && error.commit === 'rev-one',
    );
    expect(oldInstance.map((error) => error.message).join('\n'), shown(report)).toMatch(
      /no such column: .*email/,
    );
    const migrated = upgrade!.events.find(
      (event) => event.instance === 'inst1' && event.event === 'AfterInstall',
    )!;
    expect(Math.min(...oldInstance.map((error) => error.firstAtMs))).toBeGreaterThanOrEqual(migrated.startMs);
    // The new code is fine on the new schema.
    expect(upgrade!.serviceErrors.filter((error) => error.commit === 'rev-rename')).toEqual([]);

    // Rolled back, the base runs against a schema without the column it reads: every instance fails.
    expect(rollback!.deployment.status).toBe('Succeeded');
    expect(rollback!.load.failed).toBeGreaterThan(0);
    expect(
      new Set(rollback!.serviceErrors.filter((e) => e.commit === 'rev-one').map((e) => e.instance)),
    ).toEqual(new Set(['inst1', 'inst2']));
    expect(report.problems).toEqual([
      expect.stringMatching(/^\d+ requests? of \d+ failed during the upgrade/),
      expect.stringMatching(
        /failed during the rollback: the base revision fails against the schema its migrations left \(9002-fixture-rename-customer-email\) — a rollback of this pull request would serve errors$/,
      ),
    ]);
    const markdown = renderUpgradeMarkdown(report);
    expect(markdown).toContain('### Upgrade rehearsal: **failed**');
    expect(markdown).toContain('#### Upgrade: what failed');
    expect(markdown).toContain('#### Rollback: what failed');
    expect(markdown).toMatch(
      /- inst2 on `rev-one`, ×\d+ from [\d.]+ s \(inst1 (AfterInstall, migrating|\w+, after the migrations)\): `.*no such column/,
    );
  }, 420_000);
});
