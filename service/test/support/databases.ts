import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';

export type Dialect = 'sqlite' | 'mysql';
export const DIALECTS: readonly Dialect[] = ['sqlite', 'mysql'];

/** The MariaDB the tests use: the machine's 127.0.0.1:3306 root, unless TEST_MYSQL_URL says otherwise. */
export const MYSQL_SERVER_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

export interface ScratchDatabase {
  dialect: Dialect;
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database of the dialect: a temp SQLite file, or a randomly named MariaDB database. */
export async function createScratchDatabase(dialect: Dialect): Promise<ScratchDatabase> {
  if (dialect === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'dealership-test-'));
    return {
      dialect,
      url: `sqlite:${join(dir, 'test.sqlite')}`,
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const name = `dealership_test_${randomBytes(6).toString('hex')}`;
  const server = new URL(MYSQL_SERVER_URL);
  const admin = await mysql.createConnection({ uri: MYSQL_SERVER_URL });
  await admin.query(`CREATE DATABASE \`${name}\``);
  await admin.end();
  server.pathname = `/${name}`;
  return {
    dialect,
    url: server.toString(),
    async drop() {
      const connection = await mysql.createConnection({ uri: MYSQL_SERVER_URL });
      await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await connection.end();
    },
  };
}
