import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleThisTree } from '../bundle/build.js';
import { formatLoad } from '../report.js';
import { rehearseScaleOut } from '../scale/scenario.js';
import { runMain } from './main.js';

const USAGE = `npm run rehearse:scale -- [--bundle REVISION.zip] [--rate 20] [--threads 4] [--keep]
The original project's autoscaling demonstration, rehearsed as root on this machine: one instance
behind HAProxy under steady traffic, CPU stress inside it, a target tracking policy at 50 % average CPU
that launches a second instance (CodeDeploy installs the last successful revision on it), then, once
the stress stops, terminates it again (CodeDeploy's termination hook drains it first). Prints the
timeline; exits 1 on a failed request or if the group does not go 1 → 2 → 1.
DATABASE_URL (mysql://...) makes the instances use that database; default: one shared SQLite file.`;

const count = (name: string, raw: string, max: number) => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`--${name} must be a whole number from 1 to ${max}, got ${raw}`);
  }
  return value;
};

await runMain(USAGE, async () => {
  const { values } = parseArgs({
    options: {
      bundle: { type: 'string' },
      rate: { type: 'string', default: '20' },
      threads: { type: 'string', default: '4' },
      keep: { type: 'boolean', default: false },
    },
  });
  const log = (line: string) => console.log(line);
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const bundle = values.bundle
    ? resolve(process.env.INIT_CWD ?? process.cwd(), values.bundle)
    : await bundleThisTree({ sqlite3: !databaseUrl, log: (line) => console.error(line) });
  const report = await rehearseScaleOut({
    bundle,
    databaseUrl,
    rate: count('rate', values.rate, 500),
    threads: count('threads', values.threads, 16),
    scaleOutTimeoutMs: 180_000,
    scaleInTimeoutMs: 120_000,
    keep: values.keep,
    log,
  });
  log('');
  log(`InService instances over time: ${report.sizes.join(' → ')}`);
  log(formatLoad(report.load));
  if (report.load.failed > 0 || report.sizes.join() !== '1,2,1') process.exitCode = 1;
});
