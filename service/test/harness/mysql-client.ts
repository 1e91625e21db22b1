import { createPool, type Pool, type RowDataPacket } from 'mysql2/promise';

/** Runs statements as root against one MySQL server; `database` picks the schema per call. */
export interface MysqlClient {
  query<T extends RowDataPacket = RowDataPacket>(
    sql: string,
    params?: unknown[],
    database?: string,
  ): Promise<T[]>;
  close(): Promise<void>;
}

export function mysqlClient(port: number, host = '127.0.0.1'): MysqlClient {
  let pool: Pool | undefined;
  return {
    async query<T extends RowDataPacket>(sql: string, params: unknown[] = [], database?: string) {
      pool ??= createPool({ host, port, user: 'root', connectionLimit: 4 });
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
