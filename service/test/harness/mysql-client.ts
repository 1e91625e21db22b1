import { createPool, type Pool, type RowDataPacket } from 'mysql2/promise';

/** Runs statements against one MySQL server (`mysql://user:pass@host:port`); `database` picks the schema per call. */
export interface MysqlClient {
  query<T extends RowDataPacket = RowDataPacket>(
    sql: string,
    params?: unknown[],
    database?: string,
  ): Promise<T[]>;
  close(): Promise<void>;
}

export function mysqlClient(serverUrl: string): MysqlClient {
  let pool: Pool | undefined;
  return {
    async query<T extends RowDataPacket>(sql: string, params: unknown[] = [], database?: string) {
      pool ??= createPool({ uri: serverUrl, connectionLimit: 4 });
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
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
