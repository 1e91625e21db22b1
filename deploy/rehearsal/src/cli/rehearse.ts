import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleThisTree } from '../bundle/build.js';
import { bundleCommit } from '../bundle/revision.js';
import { Load } from '../load/load.js';
import { DEFAULT_OPTIONS, Rehearsal } from '../rehearsal.js';
import { formatDeployment, formatLoad } from '../report.js';
import { runMain } from './main.js';

const USAGE = `npm run rehearse -- [--instances 3] [--bundle NEW.zip] [--from OLD.zip] [--rate 40] [--keep]
Installs OLD (default: NEW) on N local instances behind HAProxy, then deploys NEW under load with
the CodeDeploy lifecycle and the real hook scripts, and reports. NEW defaults to this tree's bundle.
DATABASE_URL (mysql://...) makes every instance use that database; default: one shared SQLite file,
for which this tree's revision also ships the sqlite3 driver (production's does not).`;

await runMain(USAGE, async () => {
  const { values } = parseArgs({
    options: {
      instances: { type: 'string', default: '3' },
      bundle: { type: 'string' },
      from: { type: 'string' },
      rate: { type: 'string', default: '40' },
      keep: { type: 'boolean', default: false },
    },
  });
  const here = process.env.INIT_CWD ?? process.cwd();
  const log = (line: string) => console.error(line);
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const bundle = values.bundle
    ? resolve(here, values.bundle)
    : await bundleThisTree({ sqlite3: !databaseUrl, log });
  const from = values.from ? resolve(here, values.from) : bundle;
  const rate = Number(values.rate);

  const rehearsal = await Rehearsal.start({
    ...DEFAULT_OPTIONS,
    instances: Number(values.instances),
    databaseUrl,
    keep: values.keep,
    log,
  });
  rehearsal.stopOnInterrupt();
  try {
    log(`${rehearsal.instances.length} instances behind HAProxy at ${rehearsal.url} (${rehearsal.dir})`);
    log(`installing ${await bundleCommit(from)} (no load yet)`);
    const initial = await rehearsal.deploy(from);
    if (initial.status !== 'Succeeded') {
      console.log(formatDeployment(initial, 'initial install'));
      throw new Error('the initial install failed; nothing to roll out over');
    }
    log(`deploying ${await bundleCommit(bundle)} under ${rate} requests/s`);
    const load = new Load({ url: rehearsal.url, ratePerSecond: rate, token: rehearsal.token });
    const rollout = await rehearsal.deploy(bundle);
    const loadReport = await load.stop();
    console.log(formatDeployment(rollout));
    console.log(formatLoad(loadReport));
    if (rollout.status !== 'Succeeded' || loadReport.failed > 0) process.exitCode = 1;
  } finally {
    await rehearsal.stop();
    if (values.keep) log(`kept ${rehearsal.dir}`);
  }
});
