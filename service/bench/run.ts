/**
 * `npm run bench -w service`: the service against MariaDB (127.0.0.1:3306, a fresh database) under
 * autocannon, beside a bare Koa + mysql2 baseline serving the same list query, measured in the same
 * run. Prints req/s and latency percentiles per scenario and the service/baseline read ratio.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@dealership/test-kit';
import { Client } from '../test/kit/client.js';
import { createMysqlDatabase } from '../test/kit/databases.js';
import { saleBody } from '../test/kit/fixtures.js';
import { runBuilt, SERVICE_DIR, spawnServiceProcess } from '../test/kit/service-process.js';
import { waitUntil } from '../test/kit/wait-until.js';
import { type LoadRun, runLoad, summarize } from './load.js';
import { printResults } from './report.js';
import { seed } from './seed.js';

const LISTED_CARS = 2000;
const SALES = 1500;
/** Spare cars: autocannon may prepare a request or two beyond `amount`. */
const SPARE_CARS = 50;
/** Reads alternate between baseline and service, so load from elsewhere on the machine hits both alike. */
const READ_ROUNDS = 3;
const READ_SECONDS = 5;
const WARMUP_SECONDS = 3;
const READ_CONNECTIONS = 32;
const SALE_CONNECTIONS = 16;
/** The service's pool size for the primary (poolMax in src/db/database.ts); the baseline gets the same. */
const POOL_SIZE = 10;
const LIST_PATH = '/cars?limit=20';

async function startBaseline(databaseUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(SERVICE_DIR, 'bench', 'baseline-server.ts')],
    {
      cwd: SERVICE_DIR,
      env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), POOL_SIZE: String(POOL_SIZE) },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitUntil('the baseline server', async () => {
    if (child.exitCode !== null) throw new Error(`baseline exited with ${child.exitCode}`);
    return (await new Client(url).get('/health')).status === 200 ? true : undefined;
  });
  return { url, child };
}

async function main(): Promise<void> {
  const database = await createMysqlDatabase();
  const logDir = await mkdtemp(join(tmpdir(), 'dealership-bench-'));
  const cleanups: (() => Promise<unknown>)[] = [
    () => rm(logDir, { recursive: true, force: true }),
    database.drop,
  ];
  try {
    const migrated = await runBuilt('cli/migrate', ['up'], { DATABASE_URL: database.url });
    if (migrated.code !== 0) throw new Error(`migrate up failed:\n${migrated.stderr}`);

    // The service as deployed: info-level JSON logs (to a file, like journald), no migration on start.
    const service = await spawnServiceProcess({
      env: { DATABASE_URL: database.url, MIGRATE_ON_START: 'false', LOG_LEVEL: 'info' },
      logFile: join(logDir, 'service.log'),
    });
    cleanups.unshift(() => service.stop());
    const baseline = await startBaseline(database.url);
    cleanups.unshift(async () => {
      baseline.child.kill('SIGTERM');
      await once(baseline.child, 'exit');
    });

    const api = new Client(service.baseUrl, service.adminToken);
    console.log(`seeding ${LISTED_CARS + SALES + SPARE_CARS} cars through the API …`);
    const { carsForSale, customerId, salespersonId } = await seed(api, LISTED_CARS, SALES + SPARE_CARS);

    const servers = {
      baseline: { url: baseline.url, pid: baseline.child.pid ?? -1 },
      service: { url: service.baseUrl, pid: service.pid },
    };
    const read = (server: { url: string; pid: number }, seconds: number) =>
      runLoad(server.pid, {
        url: `${server.url}${LIST_PATH}`,
        connections: READ_CONNECTIONS,
        duration: seconds,
      });
    console.log(`warming up both servers for ${WARMUP_SECONDS} s each …`);
    await read(servers.baseline, WARMUP_SECONDS);
    await read(servers.service, WARMUP_SECONDS);

    console.log(`measuring GET ${LIST_PATH}: ${READ_ROUNDS} alternating rounds of ${READ_SECONDS} s each …`);
    const reads: Record<keyof typeof servers, LoadRun[]> = { baseline: [], service: [] };
    for (let round = 0; round < READ_ROUNDS; round++) {
      const order: (keyof typeof servers)[] =
        round % 2 === 0 ? ['baseline', 'service'] : ['service', 'baseline'];
      for (const name of order) reads[name].push(await read(servers[name], READ_SECONDS));
    }

    console.log(`measuring ${SALES} sales, each of a different car …`);
    let nextSale = 0;
    const sales = await runLoad(service.pid, {
      url: `${service.baseUrl}/sales`,
      connections: SALE_CONNECTIONS,
      amount: SALES,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${service.adminToken}` },
      requests: [
        {
          // Each sale sells a different car that is still in stock.
          setupRequest: (req) => {
            const carId = carsForSale[nextSale++ % carsForSale.length] as number;
            return { ...req, body: JSON.stringify(saleBody(carId, customerId, salespersonId)) };
          },
        },
      ],
    });

    const failed = printResults(
      {
        baselineRead: summarize(`baseline GET ${LIST_PATH}`, reads.baseline),
        serviceRead: summarize(`service  GET ${LIST_PATH}`, reads.service),
        serviceSales: summarize('service  POST /sales', [sales]),
      },
      {
        cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`,
        node: process.version,
        poolSize: POOL_SIZE,
        connections: READ_CONNECTIONS,
        loadAverage: loadavg()[0] ?? 0,
      },
    );
    if (failed) process.exitCode = 1;
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => console.error(error));
  }
}

await main();
