import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Bundle, buildBundle, currentCommit } from '../bundle/build.js';
import type { DeploymentReport } from '../codedeploy/rollout.js';
import { Load, type LoadReport } from '../load/load.js';
import { runChecked } from '../process.js';
import { DEFAULT_OPTIONS, Rehearsal, type RehearsalOptions } from '../rehearsal.js';
import { formatDeployment, formatLoad } from '../report.js';
import { runMain } from './main.js';
import { type StartToReady, StartToReadyWatch } from './start-to-ready.js';

const USAGE = `npm run bench:rollout -- [--instances 3] [--rate 100] [--steady 10]
Rolls this tree out over itself on N instances under a fixed load, after a steady-state window with the
same load and no deploy; prints requests/s, failed requests and latency for both, each instance's
service start-to-ready and Install times, the revision's file count, and the rollout's time beside its
floor. DATABASE_URL (mysql://...) runs it on that database with production's revision; default: one
shared SQLite file, with the sqlite3 driver added to the revision.`;

/** The goal for the rollout's time over its floor (issue 13). */
const GOAL = 1.5;

/**
 * What a one-at-a-time rollout cannot go faster than, per instance: the balancer's drain (BlockTraffic),
 * the service's own drain after SIGTERM (SHUTDOWN_DRAIN_MS), the new service's start to ready, and the
 * balancer's health check seeing it UP (AllowTraffic), each as measured in this rollout. The rest is
 * the lifecycle's own work: the agent, the hooks, unpacking, copying, migrating.
 */
function rolloutFloorMs(report: DeploymentReport, options: RehearsalOptions, starts: StartToReady[]) {
  const measured = (event: string) =>
    report.instances.reduce(
      (sum, instance) => sum + (instance.events.find((result) => result.event === event)?.durationMs ?? 0),
      0,
    );
  const drainWaits = measured('BlockTraffic');
  const serviceDrains = report.instances.length * options.shutdownDrainMs;
  const startToReady = starts.reduce((sum, start) => sum + start.ms, 0);
  const healthChecks = measured('AllowTraffic');
  return {
    drainWaits,
    serviceDrains,
    startToReady,
    healthChecks,
    total: drainWaits + serviceDrains + startToReady + healthChecks,
  };
}

/** A bare Node start (`node -e 0`), median of five: what each Node the hooks start costs here. */
async function bareNodeStartMs(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const started = performance.now();
    await runChecked(process.execPath, ['-e', '0']);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[2]!;
}

const row = (label: string, steady: string, rollout: string) =>
  `${label.padEnd(22)}${steady.padEnd(18)}${rollout}`;
const perSecond = (load: LoadReport) => (load.sent / (load.durationMs / 1000)).toFixed(1);
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

await runMain(USAGE, async () => {
  const { values } = parseArgs({
    options: {
      instances: { type: 'string', default: '3' },
      rate: { type: 'string', default: '100' },
      steady: { type: 'string', default: '10' },
    },
  });
  const rate = Number(values.rate);
  const steadyMs = Number(values.steady) * 1000;
  if (!(steadyMs > 0)) throw new Error(`--steady must be a positive number of seconds, got ${values.steady}`);
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const sqlite3 = databaseUrl === undefined;
  const dir = await mkdtemp(join(tmpdir(), 'rollout-bench-'));
  const commit = await currentCommit();
  console.error(`load average at start: ${load()}`);
  console.error(
    `bundling this tree (${commit}) as two revisions${sqlite3 ? ', with the sqlite3 driver (SQLite)' : ''}`,
  );
  const revision = (label: string): Promise<Bundle> =>
    buildBundle({ commit: `${commit}-${label}`, outFile: join(dir, `${label}.zip`), sqlite3 });
  const before = await revision('before');
  const after = await revision('after');

  const options: RehearsalOptions = {
    ...DEFAULT_OPTIONS,
    instances: Number(values.instances),
    databaseUrl,
  };
  const rehearsal = await Rehearsal.start(options);
  rehearsal.stopOnInterrupt();
  try {
    const initial = await rehearsal.deploy(before.file);
    if (initial.status !== 'Succeeded')
      throw new Error(`the initial install failed:\n${formatDeployment(initial)}`);

    console.error(`steady state: ${rate} requests/s for ${steadyMs / 1000} s, no deploy`);
    const steadyLoad = new Load({ url: rehearsal.url, ratePerSecond: rate, token: rehearsal.token });
    await new Promise((resolve) => setTimeout(resolve, steadyMs));
    const steady = await steadyLoad.stop();

    console.error(
      `rollout: ${rate} requests/s while deploying to ${options.instances} instances one at a time`,
    );
    const watch = await StartToReadyWatch.start(rehearsal.instances);
    const rolloutLoad = new Load({ url: rehearsal.url, ratePerSecond: rate, token: rehearsal.token });
    const rollout = await rehearsal.deploy(after.file);
    const during = await rolloutLoad.stop();
    const starts = await watch.stop();

    console.log(formatDeployment(rollout));
    console.log(formatLoad(during));
    const floor = rolloutFloorMs(rollout, options, starts);
    console.log(
      `\nrollout benchmark: ${options.instances} instances, fixed load ${rate} requests/s, ` +
        `${databaseUrl ? 'MySQL' : 'SQLite'}; load average ${load()}`,
    );
    console.log(row('', 'steady state', 'during rollout'));
    console.log(row('requests/s', perSecond(steady), perSecond(during)));
    console.log(
      row('requests (failed)', `${steady.sent} (${steady.failed})`, `${during.sent} (${during.failed})`),
    );
    console.log(
      row(
        'latency p50 / p99',
        `${steady.latencyMs.p50} / ${steady.latencyMs.p99} ms`,
        `${during.latencyMs.p50} / ${during.latencyMs.p99} ms`,
      ),
    );
    console.log(
      `revision: ${after.entries} files (${after.shippedFiles} in service/node_modules${sqlite3 ? ', the sqlite3 driver included' : ''}), ${(after.bytes / 1e6).toFixed(1)} MB`,
    );
    for (const instance of rollout.instances) {
      const install = instance.events.find((event) => event.event === 'Install')?.durationMs ?? 0;
      const start = starts.find((candidate) => candidate.instance === instance.instance);
      console.log(
        `  ${instance.instance}: Install ${s(install)}, service start to ready ${start ? s(start.ms) : 'not seen'}, ` +
          `instance ${s(instance.durationMs)}`,
      );
    }
    console.log(`a bare Node start here: ${s(await bareNodeStartMs())} (AfterInstall's migrate.js pays it)`);
    const ratio = rollout.durationMs / floor.total;
    console.log(
      `rollout time ${s(rollout.durationMs)}, floor ${s(floor.total)} = ${ratio.toFixed(2)}× ` +
        `(goal ≤ ${GOAL}×: ${ratio <= GOAL ? 'met' : 'not met'}); floor: drain waits ${s(floor.drainWaits)} + ` +
        `service drains ${s(floor.serviceDrains)} + service start to ready ${s(floor.startToReady)} + ` +
        `health checks to UP ${s(floor.healthChecks)}; the rest is the lifecycle's work: the agent, hooks, unpack, install, migrate`,
    );
    if (starts.length !== rollout.instances.length) {
      console.log(`  (start to ready seen on ${starts.length} of ${rollout.instances.length} instances)`);
    }
    if (rollout.status !== 'Succeeded' || during.failed > 0 || steady.failed > 0) process.exitCode = 1;
  } finally {
    await rehearsal.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
