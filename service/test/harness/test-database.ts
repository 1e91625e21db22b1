import { type MysqlClient, mysqlClient, randomDatabaseName } from './mysql-client.js';

/** The MariaDB every test machine runs (RULES: 127.0.0.1:3306, root, empty password). */
export const SHARED_MYSQL_PORT = 3306;

/** A fresh, randomly named database on the shared MariaDB, dropped by `drop()`. */
export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  readonly client: MysqlClient;
  query: MysqlClient['query'];
  drop(): Promise<void>;
}

export async function createTestDatabase(prefix?: string): Promise<TestDatabase> {
  const client = mysqlClient(SHARED_MYSQL_PORT);
  const name = randomDatabaseName(prefix);
  await client.query(`CREATE DATABASE \`${name}\``);
  return {
    name,
    url: `mysql://root@127.0.0.1:${SHARED_MYSQL_PORT}/${name}`,
    client,
    query: (sql, params, database = name) => client.query(sql, params, database),
    async drop() {
      await client.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await client.close();
    },
  };
}
