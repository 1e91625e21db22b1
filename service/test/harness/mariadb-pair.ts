import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { unusedPort } from '../support/free-port.js';
import { type MysqlClient, mysqlClient, randomDatabaseName } from './mysql-client.js';
import { GiveUp, waitUntil } from './wait-until.js';

const execFileAsync = promisify(execFile);

const REPLICATION_USER = 'repl';
const REPLICATION_PASSWORD = 'repl-password';

/** One throwaway `mariadbd` in its own temp datadir, listening on a free 127.0.0.1 port. */
export interface MariaDbServer {
  readonly name: string;
  readonly port: number;
  /** `mysql://root@127.0.0.1:PORT/DATABASE` — root has an empty password, reachable from 127.0.0.1 only. */
  url(database: string): string;
  /** Runs one statement as root (optionally in `database`) and returns its rows. */
  query: MysqlClient['query'];
}

/** A primary with a binary log and a replica following it by GTID. */
export interface MariaDbPair {
  readonly primary: MariaDbServer;
  readonly replica: MariaDbServer;
  /** Creates a database on the primary and waits until the replica has it too. */
  createDatabase(name?: string): Promise<string>;
  /** Resolves once the replica has applied everything the primary has written so far. */
  waitForReplica(timeoutMs?: number): Promise<void>;
  /** Kills the replica process (SIGKILL, as a crashed host would) — its port then refuses connections. */
  stopReplica(): Promise<void>;
  /** Stops both servers and removes their datadirs. */
  stop(): Promise<void>;
}

interface RunningServer extends MariaDbServer {
  readonly process: ChildProcess;
  close(signal: NodeJS.Signals): Promise<void>;
}

const started = new Set<ChildProcess>();
process.once('exit', () => {
  // A test runner that dies must not leave database servers behind.
  for (const child of started) child.kill('SIGKILL');
});

/** Starts a primary → replica MariaDB pair (a few seconds). Share one per test file. */
export async function startMariaDbPair(): Promise<MariaDbPair> {
  const root = await mkdtemp(join(tmpdir(), 'dealership-mariadb-pair-'));
  let primary: RunningServer | undefined;
  let replica: RunningServer | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all([primary?.close('SIGTERM'), replica?.close('SIGTERM')]);
    await rm(root, { recursive: true, force: true });
  };
  try {
    await Promise.all([installDataDir(join(root, 'primary')), installDataDir(join(root, 'replica'))]);
    [primary, replica] = await Promise.all([
      startServer('primary', join(root, 'primary'), 1),
      startServer('replica', join(root, 'replica'), 2),
    ]);
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
    const replicaServer = replica;
    await waitUntil('the replica to connect to the primary', async () => {
      const [status] = await replicaServer.query('SHOW SLAVE STATUS');
      if (status?.Slave_IO_Running === 'Yes' && status.Slave_SQL_Running === 'Yes') return true;
      if (status?.Last_Error) throw new GiveUp(`replication failed: ${status.Last_Error}`);
      return undefined;
    });
  } catch (error) {
    await stop();
    throw error;
  }

  const primaryServer = primary;
  const replicaServer = replica;
  const waitForReplica = async (timeoutMs = 20_000): Promise<void> => {
    const [row] = await primaryServer.query('SELECT @@gtid_binlog_pos AS pos');
    const position = String(row?.pos ?? '');
    const [waited] = await replicaServer.query('SELECT MASTER_GTID_WAIT(?, ?) AS result', [
      position,
      timeoutMs / 1000,
    ]);
    if (Number(waited?.result) !== 0) {
      const [status] = await replicaServer.query('SHOW SLAVE STATUS');
      throw new Error(
        `replica did not reach GTID ${position} within ${timeoutMs} ms (last error: ${String(status?.Last_Error)})`,
      );
    }
  };
  return {
    primary: primaryServer,
    replica: replicaServer,
    async createDatabase(name = randomDatabaseName()) {
      await primaryServer.query(`CREATE DATABASE \`${name}\``);
      await waitForReplica();
      return name;
    },
    waitForReplica,
    stopReplica: () => replicaServer.close('SIGKILL'),
    stop,
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

async function startServer(name: string, dir: string, serverId: number): Promise<RunningServer> {
  const port = await unusedPort();
  const errorLog = join(dir, 'error.log');
  const child = spawn(
    'mariadbd',
    [
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
      `--server-id=${serverId}`,
      `--log-bin=${join(dir, 'data', 'binlog')}`,
      '--binlog-format=ROW',
      `--relay-log=${join(dir, 'data', 'relay')}`,
      '--innodb-buffer-pool-size=64M',
      '--innodb-flush-log-at-trx-commit=2',
      '--sync-binlog=0',
      '--max-connections=300',
    ],
    { stdio: 'ignore' },
  );
  started.add(child);
  const exited = once(child, 'exit');
  const client = mysqlClient(`mysql://root@127.0.0.1:${port}`);
  const server: RunningServer = {
    name,
    port,
    process: child,
    url: (database) => `mysql://root@127.0.0.1:${port}/${database}`,
    query: client.query,
    async close(signal) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        await exited;
      }
      started.delete(child);
      await client.close();
    },
  };
  const readError = async (): Promise<string> =>
    readFile(errorLog, 'utf8').then(
      (text) => text.split('\n').slice(-15).join('\n'),
      () => '(no error log)',
    );
  try {
    await waitUntil(`mariadbd ${name} on 127.0.0.1:${port}`, async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new GiveUp(`mariadbd ${name} exited early:\n${await readError()}`);
      }
      await server.query('SELECT 1');
      return true;
    });
  } catch (error) {
    await server.close('SIGKILL');
    throw error;
  }
  return server;
}
