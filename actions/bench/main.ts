/**
 * The actions' benchmark (`npm run bench:actions`). Three figures, each beside a baseline measured in
 * the same run:
 *  1. how late a waiter notices that AWS reached a terminal state, and
 *  2. how many API calls a minute it makes while waiting — the action's poller against the SDK's
 *     exponential waiter (15 s backing off to 600 s), both driving the same simulation with faked
 *     timers (simulated time; every sleep and call happens, only the wall-clock wait is skipped);
 *  3. start-up: the built bundle as a real process, from spawn to its first request to a local endpoint,
 *     against a bare `node` that makes one request.
 */
import { cpus, loadavg } from 'node:os';
import { BASELINE, deploymentSample, refreshSample, type Sample } from './detection.js';
import { SUBJECTS, timeToFirstCall } from './startup.js';

const RUNS = 24;
const STARTUP_RUNS = 7;

/** Deterministic spread of durations (a linear congruential sequence), so runs compare. */
function durations(count: number, minSeconds: number, maxSeconds: number): number[] {
  let seed = 20260115;
  return Array.from({ length: count }, () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return Math.round(minSeconds + (seed / 2 ** 31) * (maxSeconds - minSeconds));
  });
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const pad = (text: string, width: number) => text.padEnd(width);

function row(label: string, samples: Sample[]): string {
  const latency = samples.map((x) => x.latencyMs);
  const calls = samples.map((x) => x.callsPerMinute);
  return [
    pad(label, 56),
    pad(s(quantile(latency, 0.5)), 9),
    pad(s(quantile(latency, 0.95)), 9),
    pad(s(Math.max(...latency)), 9),
    `${(calls.reduce((a, b) => a + b, 0) / calls.length).toFixed(1)} (max ${Math.max(...calls).toFixed(1)})`,
  ].join('');
}

async function collect(
  run: (x: number, w: 'action' | 'baseline') => Promise<Sample>,
  xs: number[],
  w: 'action' | 'baseline',
) {
  const samples: Sample[] = [];
  for (const x of xs) samples.push(await run(x, w));
  return samples;
}

const refreshSeconds = durations(RUNS, 120, 2400);
const eventSeconds = durations(RUNS, 5, 60);
console.log(`\nDetection latency (AWS terminal → the waiter's look that sees it) and API calls per minute`);
console.log(`simulated time; ${RUNS} refreshes of 2–40 min, ${RUNS} two-instance deployments of 2–26 min\n`);
console.log(
  [pad('waiter', 56), pad('median', 9), pad('p95', 9), pad('max', 9), 'calls/min: mean (max)'].join(''),
);
const baseline = `SDK waiter, ${BASELINE.minDelay} s → ${BASELINE.maxDelay} s backoff`;
const refreshOurs = await collect(refreshSample, refreshSeconds, 'action');
const refreshBase = await collect(refreshSample, refreshSeconds, 'baseline');
const deployOurs = await collect(deploymentSample, eventSeconds, 'action');
const deployBase = await collect(deploymentSample, eventSeconds, 'baseline');
console.log(row('instance-refresh (poll-seconds 15)', refreshOurs));
console.log(row(`  baseline: ${baseline}`, refreshBase));
console.log(row('codedeploy-deploy (poll-seconds 10)', deployOurs));
console.log(
  row(
    `  baseline: waitUntilDeploymentSuccessful, ${BASELINE.minDelay} s → ${BASELINE.maxDelay} s`,
    deployBase,
  ),
);

console.log(
  `\nStart-up: process start → first API call at a local endpoint (built bundle, ${STARTUP_RUNS} runs each)\n`,
);
console.log([pad('process', 56), pad('median', 9), pad('max', 9), 'median above the floor'].join(''));
const startup = new Map<string, number[]>(SUBJECTS.map((x) => [x.name, []]));
for (let i = 0; i < STARTUP_RUNS; i++) {
  for (const subject of SUBJECTS) startup.get(subject.name)!.push(await timeToFirstCall(subject));
}
const floor = quantile(startup.get(SUBJECTS.at(-1)!.name)!, 0.5);
for (const [name, times] of startup) {
  const median = quantile(times, 0.5);
  const cells = [
    `${median.toFixed(0)} ms`,
    `${Math.max(...times).toFixed(0)} ms`,
    `${(median - floor).toFixed(0)} ms`,
  ];
  console.log([pad(name, 56), pad(cells[0]!, 9), pad(cells[1]!, 9), cells[2]].join(''));
}
console.log(`(load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs during this run)`);

const goals = [
  [
    'instance-refresh notices the end within one poll (15 s)',
    Math.max(...refreshOurs.map((x) => x.latencyMs)) <= 15_000,
  ],
  [
    'codedeploy-deploy notices the end within one poll (10 s)',
    Math.max(...deployOurs.map((x) => x.latencyMs)) <= 10_000,
  ],
  [
    'at most 8 API calls a minute while waiting',
    [...refreshOurs, ...deployOurs].every((x) => x.callsPerMinute <= 8),
  ],
  [
    'start-up at most 0.5 s (median)',
    SUBJECTS.slice(0, 2).every((x) => quantile(startup.get(x.name)!, 0.5) <= 500),
  ],
] as const;
console.log('\nGoals');
for (const [goal, met] of goals) console.log(`  ${met ? 'met    ' : 'MISSED '} ${goal}`);
