/**
 * The rehearsal's `stress --cpu N`: N threads that keep a CPU busy until `--seconds` have passed or the
 * process is told to stop (SIGTERM), whichever comes first. Started inside an instance (burner.ts), so
 * the CPU it burns is the instance's.
 */
import { parseArgs } from 'node:util';
import { isMainThread, Worker, workerData } from 'node:worker_threads';

if (isMainThread) {
  const { values } = parseArgs({
    options: { threads: { type: 'string', default: '1' }, seconds: { type: 'string', default: '60' } },
  });
  const threads = Number(values.threads);
  const seconds = Number(values.seconds);
  if (!Number.isInteger(threads) || threads < 1 || threads > 16) {
    throw new Error(`--threads must be a whole number from 1 to 16, got ${values.threads}`);
  }
  if (!(seconds > 0 && seconds <= 3600))
    throw new Error(`--seconds must be from 0 to 3600, got ${values.seconds}`);
  const until = Date.now() + seconds * 1000;
  for (let i = 0; i < threads; i += 1) new Worker(new URL(import.meta.url), { workerData: { until } });
  process.once('SIGTERM', () => process.exit(0));
} else {
  const { until } = workerData as { until: number };
  let spin = 0;
  while (Date.now() < until) {
    for (let i = 0; i < 100_000; i += 1) spin = (spin + i) % 7919;
  }
  process.exitCode = spin === -1 ? 1 : 0;
}
