import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool, type Pool, type PoolOptions, type RowDataPacket } from 'mysql2/promise';

export type Dialect = 'sqlite' | 'mysql';
export const DIALECTS: readonly Dialect[] = ['sqlite', 'mysql'];

/** The MariaDB the tests use: the machine's 127.0.0.1:3306 root, unless TEST_MYSQL_URL says otherwise. */
export const MYSQL_SERVER_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/** Runs statements against one MySQL server (`mysql://user:pass@host:port`); `database` picks the schema per call. */
export interface MysqlClient {
  query<T extends RowDataPacket = RowDataPacket>(
    sql: string,
    params?: unknown[],
    database?: string,
  ): Promise<T[]>;
  close(): Promise<void>;
}

export function mysqlClient(serverUrl: string, options: Omit<PoolOptions, 'uri'> = {}): MysqlClient {
  let pool: Pool | undefined;
  return {
    async query<T extends RowDataPacket>(sql: string, params: unknown[] = [], database?: string) {
      pool ??= createPool({ uri: serverUrl, connectionLimit: 4, ...options });
      if (database === undefined) {
        const [rows] = await pool.query<T[]>(sql, params);
        return rows;
      }
      const connection = await pool.getConnection();
      try {
        await connection.query(`USE \`${database}\``);
        const [rows] = await connection.query<T[]>(sql, params);
        return rows;
      } finally {
        connection.release();
      }
    },
    async close() {
      const closing = pool;
      pool = undefined;
      await closing?.end().catch(() => undefined);
    },
  };
}

export function randomDatabaseName(prefix = 'dealership_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** A new, empty database: a temp SQLite file, or a randomly named MariaDB database. */
export interface ScratchDatabase {
  readonly dialect: Dialect;
  readonly url: string;
  drop(): Promise<void>;
}

/** A scratch MariaDB database with a root client for looking inside it. */
export interface MysqlDatabase extends ScratchDatabase {
  readonly name: string;
  /** Runs one statement (in this database unless another is named). */
  query: MysqlClient['query'];
}

export async function createScratchDatabase(dialect: Dialect): Promise<ScratchDatabase> {
  if (dialect === 'mysql') return createMysqlDatabase();
  const dir = await mkdtemp(join(tmpdir(), 'dealership-test-'));
  return {
    dialect,
    url: `sqlite:${join(dir, 'test.sqlite')}`,
    drop: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Creates a randomly named database on `serverUrl` (root); `drop` removes only that database. */
export async function createMysqlDatabase(serverUrl = MYSQL_SERVER_URL): Promise<MysqlDatabase> {
  const name = randomDatabaseName();
  const client = mysqlClient(serverUrl);
  await client.query(`CREATE DATABASE \`${name}\``);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    dialect: 'mysql',
    name,
    url: url.toString(),
    query: (sql, params, database = name) => client.query(sql, params, database),
    async drop() {
      await client.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await client.close();
    },
  };
}
