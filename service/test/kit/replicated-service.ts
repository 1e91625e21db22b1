import type { Client } from './client.js';
import { type MariaDbPair, startMariaDbPair } from './mariadb.js';
import { type ServiceProcess, spawnServiceProcess } from './service-process.js';
import { waitUntil } from './wait-until.js';

let probes = 0;

/**
 * Tells which server answers the service's lists: a car written straight into the replica (never to
 * the primary, so it exists on the replica alone) is listed only when the replica serves the list. Its
 * id is far above anything the primary hands out, so replication never collides with it.
 */
export async function replicaProbe(pair: MariaDbPair, database: string) {
  probes += 1;
  const make = `ReplicaOnly${process.pid}x${probes}`;
  await pair.replica.query(
    `INSERT INTO cars (id, serial_number, make, model, year, color, car_condition, list_price, status)
     VALUES (?, ?, ?, 'Probe', 2020, 'grey', 'used', 1.00, 'in_stock')`,
    [2_000_000_000 + (process.pid % 1_000) * 1_000 + probes, `PROBE-${make}`, make],
    database,
  );
  const servedBy = async (client: Client): Promise<'replica' | 'primary'> => {
    const reply = await client.get(`/cars?make=${make}`);
    if (reply.status !== 200)
      throw new Error(`GET /cars answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    return reply.body.total === 1 ? 'replica' : 'primary';
  };
  return {
    servedBy,
    /** Waits until lists come from `server` (the lag monitor measures every second). */
    until: (client: Client, server: 'replica' | 'primary', timeoutMs = 15_000) =>
      waitUntil(
        `lists served by the ${server}`,
        async () => ((await servedBy(client)) === server ? true : undefined),
        { timeoutMs, intervalMs: 200 },
      ),
  };
}

/** A primary → replica pair, a database on it, and the built service reading from the replica. */
export interface ReplicatedService {
  pair: MariaDbPair;
  database: string;
  service: ServiceProcess;
  probe: Awaited<ReturnType<typeof replicaProbe>>;
  stop(): Promise<void>;
}

/** Starts all of it and waits until the service's lists come from the replica. */
export async function startReplicatedService(env: Record<string, string>): Promise<ReplicatedService> {
  const pair = await startMariaDbPair();
  try {
    const database = await pair.createDatabase();
    const service = await spawnServiceProcess({
      env: {
        DATABASE_URL: pair.primary.url(database),
        DATABASE_REPLICA_URLS: pair.replica.url(database),
        ...env,
      },
    });
    const probe = await replicaProbe(pair, database);
    await probe.until(service.admin, 'replica');
    return {
      pair,
      database,
      service,
      probe,
      async stop() {
        await service.stop();
        await pair.stop();
      },
    };
  } catch (error) {
    await pair.stop();
    throw error;
  }
}
