/**
 * The rehearsal's `stress --cpu N`: N threads that keep a CPU busy until `--seconds` have passed or the
 * process is told to stop (SIGTERM), whichever comes first. Started inside an instance (burner.ts), so
 * the CPU it burns is the instance's.
 */

import { parseArgs } from 'node:util';
import { isMainThread, Worker, workerData } from 'node:worker_threads';

if (isMainThread) {
  const { values } = parseArgs({
    options: { workers: { type: 'string', default: '1' }, seconds: { type: 'string', default: '60' } },
  });
  const workers = Number(values.workers);
  const seconds = Number(values.seconds);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    throw new Error(`--workers must be a whole number from 1 to 64, got ${values.workers}`);
  }
  if (!(seconds > 0 && seconds <= 3600))
    throw new Error(`--seconds must be from 0 to 3600, got ${values.seconds}`);
  const until = Date.now() + seconds * 1000;
  const threads = Array.from(
    { length: workers },
    () => new Worker(new URL(import.meta.url), { workerData: { until } }),
  );
  process.once('SIGTERM', () => process.exit(0));
  await Promise.all(threads.map((thread) => new Promise((resolve) => thread.once('exit', resolve))));
} else {
  const { until } = workerData as { until: number };
  let spin = 0;
  while (Date.now() < until) {
    for (let i = 0; i < 100_000; i += 1) spin = (spin + i) % 7919;
  }
  process.exitCode = spin === -1 ? 1 : 0;
}
