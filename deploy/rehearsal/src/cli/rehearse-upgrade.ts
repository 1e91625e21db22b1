import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildBundle, currentCommit, defaultBundlePath } from '../bundle/build.js';
import { scratchDir } from '../scratch.js';
import { runUpgradeCheck } from '../upgrade/check.js';
import { parseMysqlServer } from '../upgrade/database.js';
import { renderUpgradeMarkdown } from '../upgrade/report.js';
import { buildRevisionFromRef, openRevision } from '../upgrade/revision.js';
import { runMain } from './main.js';

const USAGE = `npm run rehearse:upgrade -- (--base OLD.zip|DIR | --base-ref REF) [--head NEW.zip|DIR]
    [--instances 3] [--rate 40] [--hold 3] [--mysql mysql://user@host:port]
    [--report FILE.md] [--json FILE.json] [--skip-migration-check] [--rehearse-anyway] [--keep]
The pull request's upgrade check, as root. First the migration check: the base revision's migrations on
a scratch database, then the head's; a table or column they drop, rename or make required that the
base's code still uses fails it. Then the rehearsal: the base installed on N instances behind HAProxy
with some data, the head rolled out one instance at a time under load (its migrations in AfterInstall),
then the base deployed again under load (CodeDeploy's rollback; migrations stay). Any failed request or
deployment fails the check (exit 1). The markdown for the pull request goes to stdout and --report.
--base-ref builds the base with that commit's own \`npm run bundle\` in a git worktree; --head defaults to
this tree's bundle. --mysql gives the check and the instances fresh databases on that server (dropped
after); default SQLite.`;

await runMain(USAGE, async () => {
  const { values } = parseArgs({
    options: {
      base: { type: 'string' },
      'base-ref': { type: 'string' },
      head: { type: 'string' },
      instances: { type: 'string', default: '3' },
      rate: { type: 'string', default: '40' },
      hold: { type: 'string', default: '3' },
      mysql: { type: 'string' },
      report: { type: 'string' },
      json: { type: 'string' },
      'skip-migration-check': { type: 'boolean', default: false },
      'rehearse-anyway': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
  });
  if ((values.base === undefined) === (values['base-ref'] === undefined)) {
    throw new Error(
      `give the base revision as exactly one of --base FILE.zip|DIR or --base-ref REF\nusage: ${USAGE}`,
    );
  }
  // Checked now rather than minutes later, when the rehearsal starts and the load begins.
  const instances = Number(values.instances);
  if (!Number.isInteger(instances) || instances < 1 || instances > 20) {
    throw new Error(
      `--instances must be a whole number from 1 to 20, got ${JSON.stringify(values.instances)}`,
    );
  }
  const rate = Number(values.rate);
  if (!(rate > 0 && rate <= 5000))
    throw new Error(`--rate must be 1 to 5000 requests/s, got ${JSON.stringify(values.rate)}`);
  const hold = Number(values.hold);
  if (!(hold >= 0 && hold <= 600))
    throw new Error(`--hold must be 0 to 600 seconds, got ${JSON.stringify(values.hold)}`);
  const mysqlServer = values.mysql === undefined ? undefined : parseMysqlServer(values.mysql);
  const here = process.env.INIT_CWD ?? process.cwd();
  const log = (line: string) => console.error(line);

  // Revisions are unpacked here (thousands of files each): memory-backed scratch space when there is some.
  const dir = await mkdtemp(join(await scratchDir(), 'upgrade-check-'));
  try {
    const baseSource = values.base
      ? resolve(here, values.base)
      : await buildRevisionFromRef(values['base-ref']!, dir, log, mysqlServer === undefined);
    let headSource = values.head ? resolve(here, values.head) : undefined;
    if (headSource === undefined) {
      const commit = await currentCommit();
      log(`bundling this tree as the head revision ${commit}`);
      // Production's revision carries no SQLite driver; a check on SQLite needs it in both revisions.
      const sqlite3 = mysqlServer === undefined;
      headSource = (
        await buildBundle({ commit, outFile: defaultBundlePath(commit, sqlite3), typeCheck: true, sqlite3 })
      ).file;
    }
    const base = await openRevision('base', baseSource, dir);
    const head = await openRevision('head', headSource, dir);

    const report = await runUpgradeCheck({
      base,
      head,
      dir,
      mysqlServer,
      skipMigrationCheck: values['skip-migration-check'],
      rehearseAfterFailedCheck: values['rehearse-anyway'],
      instances,
      rate,
      holdMs: hold * 1000,
      keep: values.keep,
      stopOnInterrupt: true,
      log,
    });
    const markdown = renderUpgradeMarkdown(report);
    if (values.report) await writeFile(resolve(here, values.report), markdown);
    if (values.json) await writeFile(resolve(here, values.json), `${JSON.stringify(report, null, 2)}\n`);
    console.log(markdown);
    for (const problem of report.problems) log(`FAILED: ${problem}`);
    log(`upgrade check ${report.passed ? 'passed' : 'failed'} in ${(report.durationMs / 1000).toFixed(1)} s`);
    if (!report.passed) process.exitCode = 1;
  } finally {
    if (values.keep) log(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
});
