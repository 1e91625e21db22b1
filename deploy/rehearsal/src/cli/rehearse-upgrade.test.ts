import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { REHEARSAL_DIST, REPO_ROOT } from '../paths.js';
import { run, runChecked } from '../process.js';
import {
  EMAIL_ADDRESS_MODEL,
  type FixtureRevisions,
  fixtureRevisionsForTests,
  RENAME_EMAIL,
} from '../test-support/upgrade-fixtures.js';
import type { UpgradeCheckReport } from '../upgrade/check.js';

const cli = (args: string[]) =>
  run(process.execPath, [join(REHEARSAL_DIST, 'cli/rehearse-upgrade.js'), ...args]);

describe('npm run rehearse:upgrade', () => {
  const made = fixtureRevisionsForTests();
  let fixtures: FixtureRevisions;
  beforeAll(() => {
    ({ fixtures } = made);
  });

  it('refuses a base given twice, or not at all, naming the options', async () => {
    for (const args of [
      ['--base', 'a.zip', '--base-ref', 'main'],
      ['--head', 'b.zip'],
    ]) {
      const result = await cli(args);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        'give the base revision as exactly one of --base FILE.zip|DIR or --base-ref REF',
      );
    }
    const badMysql = await cli(['--base', 'a.zip', '--mysql', 'mysql://root:secret@127.0.0.1:3306/test']);
    expect(badMysql.code).toBe(1);
    expect(badMysql.stderr).toContain(
      '--mysql: expected mysql://user[:password]@host[:port] with no database',
    );
    expect(badMysql.stderr).not.toContain('secret');
    const missing = await cli(['--base', '/nonexistent/base.zip', '--head', inject('revisions').two.file]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--base: /nonexistent/base.zip does not exist');
  });

  it('builds the base from a git ref with its own bundler, and fails on the migration check before rehearsing', async () => {
    const head = await fixtures.with(
      'head',
      await fixtures.open('head', inject('revisions').two.file),
      'rev-rename',
      [RENAME_EMAIL],
      EMAIL_ADDRESS_MODEL,
    );
    const report = join(fixtures.dir, 'upgrade.md');
    const json = join(fixtures.dir, 'upgrade.json');
    const result = await cli(['--base-ref', 'HEAD', '--head', head.zip, '--report', report, '--json', json]);
    expect(result.code, result.stderr).toBe(1);

    const commit = (await runChecked('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT })).trim();
    const written = JSON.parse(await readFile(json, 'utf8')) as UpgradeCheckReport;
    expect(written).toMatchObject({ base: commit, head: 'rev-rename', passed: false });
    expect(written.rehearsal).toBeUndefined();
    const markdown = await readFile(report, 'utf8');
    expect(markdown).toBe(`${result.stdout.replace(/\n$/, '')}`);
    expect(markdown).toContain(`Base \`${commit.slice(0, 12)}\` → this pull request \`rev-rename\``);
    expect(markdown).toContain('renamed column `customers.email` to `email_address`');
    expect(markdown).toMatch(
      /- `customers.email` \(renamed-column; used by model customers, attribute email\): .*Expand\/contract instead/,
    );
    expect(result.stderr).toContain('FAILED: the migration check found 1 change the base revision');
    // The worktree it built in is gone.
    expect(await runChecked('git', ['worktree', 'list'], { cwd: REPO_ROOT })).not.toContain('base-source');
  }, 300_000);
});
