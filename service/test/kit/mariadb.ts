import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@dealership/test-kit';
import { type MysqlClient, mysqlClient, randomDatabaseName } from './databases.js';
import type { TlsFiles } from './tls.js';
import { GiveUp, waitUntil } from './wait-until.js';

const execFileAsync = promisify(execFile);

const REPLICATION_USER = 'repl';
const REPLICATION_PASSWORD = 'repl-password';

/**
 * One throwaway `mariadbd` in its own temp datadir, listening on a free 127.0.0.1 port. The faults a
 * test can inflict are the ones a real server suffers: a crash (`kill`), a restart on the same data and
 * port, and a freeze (SIGSTOP: the port accepts connections, nothing answers).
 */
export interface MariaDbServer {
  readonly name: string;
  readonly port: number;
  /** `mysql://USER@127.0.0.1:PORT/DATABASE`; USER defaults to root (empty password, 127.0.0.1 only). */
  url(database: string, user?: string): string;
  /** Runs one statement as root (optionally in `database`) and returns its rows. */
  query: MysqlClient['query'];
  /** SIGKILL, as a crashed host: connections drop, the port refuses new ones. */
  kill(): Promise<void>;
  /** Starts the server again on the same datadir and port, and waits until it answers. */
  restart(): Promise<void>;
  /** SIGSTOP: open connections and new ones hang (a frozen host). */
  freeze(): void;
  thaw(): void;
  /** Stops the server (SIGTERM) and removes its datadir. */
  stop(): Promise<void>;
}

export interface MariaDbOptions {
  name?: string;
  serverId?: number;
  /** Serve TLS with these files and refuse connections without it (`require_secure_transport`). */
  tls?: TlsFiles;
}

/** A primary with a binary log and a replica following it by GTID. */
export interface MariaDbPair {
  readonly primary: MariaDbServer;
  readonly replica: MariaDbServer;
  /** Creates a database on the primary and waits until the replica has it too. */
  createDatabase(name?: string): Promise<string>;
  /** Resolves once the replica has applied everything the primary has written so far. */
  waitForReplica(timeoutMs?: number): Promise<void>;
  pauseReplication(): Promise<void>;
  /** Restarts replication and waits until the replica has caught up. */
  resumeReplication(): Promise<void>;
  /** Stops both servers and removes their datadirs. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  // A test runner that dies must not leave database servers behind (a frozen one needs SIGCONT first).
  for (const child of running) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
});

/** Starts one MariaDB server (a few seconds). */
export async function startMariaDb(options: MariaDbOptions = {}): Promise<MariaDbServer> {
  const name = options.name ?? 'mariadb';
  const dir = await mkdtemp(join(tmpdir(), `dealership-${name}-`));
  try {
    await installDataDir(dir);
    return await startServer(name, dir, options);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Starts a primary → replica MariaDB pair (a few seconds). Share one per test file. */
export async function startMariaDbPair(): Promise<MariaDbPair> {
  const servers = await Promise.allSettled([
    startMariaDb({ name: 'primary', serverId: 1 }),
    startMariaDb({ name: 'replica', serverId: 2 }),
  ]);
  const stopAll = () =>
    Promise.all(servers.map((server) => (server.status === 'fulfilled' ? server.value.stop() : undefined)));
  const [primary, replica] = servers.map((server) =>
    server.status === 'fulfilled' ? server.value : undefined,
  );
  if (primary === undefined || replica === undefined) {
    await stopAll();
    throw servers.find((server): server is PromiseRejectedResult => server.status === 'rejected')?.reason;
  }
  const waitForReplica = async (timeoutMs = 20_000): Promise<void> => {
    const [row] = await primary.query('SELECT @@gtid_binlog_pos AS pos');
    const position = String(row?.pos ?? '');
    const [waited] = await replica.query('SELECT MASTER_GTID_WAIT(?, ?) AS result', [
      position,
      timeoutMs / 1000,
    ]);
    if (Number(waited?.result) !== 0) {
      const [status] = await replica.query('SHOW SLAVE STATUS');
      throw new Error(
        `replica did not reach GTID ${position} within ${timeoutMs} ms (last error: ${String(status?.Last_Error)})`,
      );
    }
  };
  try {
    await primary.query(
      `CREATE USER '${REPLICATION_USER}'@'127.0.0.1' IDENTIFIED BY '${REPLICATION_PASSWORD}'`,
    );
    await primary.query(`GRANT REPLICATION SLAVE ON *.* TO '${REPLICATION_USER}'@'127.0.0.1'`);
    await replica.query(
      `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${primary.port},
         MASTER_USER='${REPLICATION_USER}', MASTER_PASSWORD='${REPLICATION_PASSWORD}',
         MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1`,
    );
    await replica.query('START SLAVE');
    await waitUntil('the replica to connect to the primary', async () => {
      const [status] = await replica.query('SHOW SLAVE STATUS');
      if (status?.Slave_IO_Running === 'Yes' && status.Slave_SQL_Running === 'Yes') return true;
      if (status?.Last_Error) throw new GiveUp(`replication failed: ${status.Last_Error}`);
      return undefined;
    });
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    primary,
    replica,
    async createDatabase(name = randomDatabaseName()) {
      await primary.query(`CREATE DATABASE \`${name}\``);
      await waitForReplica();
      return name;
    },
    waitForReplica,
    pauseReplication: async () => {
      await replica.query('STOP SLAVE');
    },
    async resumeReplication() {
      await replica.query('START SLAVE');
      await waitForReplica();
    },
    stop: async () => {
      await stopAll();
    },
  };
}

async function installDataDir(dir: string): Promise<void> {
  // A private TMPDIR: the bootstrap's temp table files in a shared /tmp can collide with other installs.
  const tmp = join(dir, 'tmp');
  await mkdir(tmp, { recursive: true });
  try {
    await execFileAsync(
      'mariadb-install-db',
      [
        '--no-defaults',
        `--datadir=${join(dir, 'data')}`,
        '--user=root',
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
      ],
      { env: { ...process.env, TMPDIR: tmp } },
    );
  } catch (error) {
    const output = error as { stdout?: string; stderr?: string };
    throw new Error(`mariadb-install-db into ${dir} failed: ${output.stderr ?? ''}${output.stdout ?? ''}`, {
      cause: error,
    });
  }
}

async function startServer(name: string, dir: string, options: MariaDbOptions): Promise<MariaDbServer> {
  const port = await freePort();
  const errorLog = join(dir, 'error.log');
  const args = [
    '--no-defaults',
    `--datadir=${join(dir, 'data')}`,
    `--socket=${join(dir, 'mysqld.sock')}`,
    `--pid-file=${join(dir, 'mysqld.pid')}`,
    `--log-error=${errorLog}`,
    `--tmpdir=${join(dir, 'tmp')}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    '--user=root',
    '--skip-name-resolve',
    `--server-id=${options.serverId ?? 1}`,
    `--log-bin=${join(dir, 'data', 'binlog')}`,
    '--binlog-format=ROW',
    `--relay-log=${join(dir, 'data', 'relay')}`,
    '--innodb-buffer-pool-size=64M',
    '--innodb-flush-log-at-trx-commit=2',
    '--sync-binlog=0',
    '--max-connections=300',
    ...(options.tls
      ? [
          `--ssl-ca=${options.tls.caFile}`,
          `--ssl-cert=${options.tls.serverCertFile}`,
          `--ssl-key=${options.tls.serverKeyFile}`,
          '--require-secure-transport=ON',
        ]
      : []),
  ];
  const client = mysqlClient(
    `mysql://root@127.0.0.1:${port}`,
    options.tls ? { ssl: { ca: options.tls.ca, rejectUnauthorized: true } } : {},
  );
  const readError = async (): Promise<string> =>
    readFile(errorLog, 'utf8').then(
      (text) => text.split('\n').slice(-15).join('\n'),
      () => '(no error log)',
    );

  let child: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();
  const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const end = async (signal: NodeJS.Signals) => {
    if (child !== undefined && alive()) {
      child.kill('SIGCONT');
      child.kill(signal);
      await exited;
    }
    if (child !== undefined) running.delete(child);
    await client.close();
  };
  const launch = async () => {
    const started = spawn('mariadbd', args, { stdio: 'ignore' });
    child = started;
    running.add(started);
    exited = once(started, 'exit');
    try {
      await waitUntil(`mariadbd ${name} on 127.0.0.1:${port}`, async () => {
        if (started.exitCode !== null || started.signalCode !== null) {
          throw new GiveUp(`mariadbd ${name} exited early:\n${await readError()}`);
        }
        await client.query('SELECT 1');
        return true;
      });
    } catch (error) {
      await end('SIGKILL');
      throw error;
    }
  };
  await launch();
  return {
    name,
    port,
    url: (database, user = 'root') => `mysql://${user}@127.0.0.1:${port}/${database}`,
    query: client.query,
    kill: () => end('SIGKILL'),
    restart: async () => {
      await end('SIGKILL');
      await launch();
    },
    freeze: () => {
      child?.kill('SIGSTOP');
    },
    thaw: () => {
      child?.kill('SIGCONT');
    },
    async stop() {
      await end('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
