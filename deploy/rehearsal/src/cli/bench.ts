import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildBundle, currentCommit } from '../bundle/build.js';
import type { DeploymentReport } from '../codedeploy/rollout.js';
import { Load, type LoadReport } from '../load/load.js';
import { DEFAULT_OPTIONS, Rehearsal, type RehearsalOptions } from '../rehearsal.js';
import { formatDeployment, formatLoad } from '../report.js';
import { runMain } from './main.js';

const USAGE = `npm run bench:rollout -- [--instances 3] [--rate 100] [--steady 10]
Rolls this tree out over itself on N instances under a fixed load, after a steady-state window with the
same load and no deploy; prints requests/s, failed requests and latency for both, and the rollout's
time beside its floor (the drain waits, service drains and health checks it cannot avoid).`;

/**
 * What a one-at-a-time rollout cannot go faster than, per instance: the balancer's drain (BlockTraffic),
 * the service's own drain after SIGTERM (SHUTDOWN_DRAIN_MS) and the wait for the balancer's health check
 * to see it UP again (AllowTraffic). Drain and check waits are as measured in this rollout.
 */
function rolloutFloorMs(report: DeploymentReport, options: RehearsalOptions) {
  const measured = (event: string) =>
    report.instances.reduce(
      (sum, instance) => sum + (instance.events.find((result) => result.event === event)?.durationMs ?? 0),
      0,
    );
  const drainWaits = measured('BlockTraffic');
  const serviceDrains = report.instances.length * options.shutdownDrainMs;
  const healthChecks = measured('AllowTraffic');
  return { drainWaits, serviceDrains, healthChecks, total: drainWaits + serviceDrains + healthChecks };
}

const row = (label: string, steady: string, rollout: string) =>
  `${label.padEnd(22)}${steady.padEnd(18)}${rollout}`;
const perSecond = (load: LoadReport) => (load.sent / (load.durationMs / 1000)).toFixed(1);

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
  const dir = await mkdtemp(join(tmpdir(), 'rollout-bench-'));
  const commit = await currentCommit();
  console.error(`bundling this tree (${commit}) as two revisions`);
  const before = await buildBundle({
    commit: `${commit}-before`,
    outFile: join(dir, 'before.zip'),
    sqlite3: true,
  });
  const after = await buildBundle({
    commit: `${commit}-after`,
    outFile: join(dir, 'after.zip'),
    sqlite3: true,
  });

  const options: RehearsalOptions = { ...DEFAULT_OPTIONS, instances: Number(values.instances) };
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
    const rolloutLoad = new Load({ url: rehearsal.url, ratePerSecond: rate, token: rehearsal.token });
    const rollout = await rehearsal.deploy(after.file);
    const during = await rolloutLoad.stop();

    console.log(formatDeployment(rollout));
    console.log(formatLoad(during));
    const floor = rolloutFloorMs(rollout, options);
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(`\nrollout benchmark: ${options.instances} instances, fixed load ${rate} requests/s`);
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
      `rollout time ${s(rollout.durationMs)}, floor ${s(floor.total)} ` +
        `(drain waits ${s(floor.drainWaits)} + service drains ${s(floor.serviceDrains)} + health checks to UP ${s(floor.healthChecks)}); ` +
        `the rest is the lifecycle's work: unpack, install, migrate, start, validate`,
    );
    if (rollout.status !== 'Succeeded' || during.failed > 0 || steady.failed > 0) process.exitCode = 1;
  } finally {
    await rehearsal.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
