import { createScratchDatabase } from '../support/databases.js';
import { type MysqlClient, mysqlClient } from './mysql-client.js';

/** A fresh, randomly named database on the tests' MariaDB (see support/databases.ts), with a root client. */
export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** Runs one statement in this database. */
  query: MysqlClient['query'];
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const scratch = await createScratchDatabase('mysql');
  const server = new URL(scratch.url);
  const name = server.pathname.slice(1);
  server.pathname = '/';
  const client = mysqlClient(server.toString());
  return {
    name,
    url: scratch.url,
    query: (sql, params, database = name) => client.query(sql, params, database),
    async drop() {
      await client.close();
      await scratch.drop();
    },
  };
}
