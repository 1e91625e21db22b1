import type { Sequelize } from 'sequelize';

const LOCK_WAIT_SECONDS = 300;

interface RawConnection {
  query(
    sql: string,
    values: unknown[],
    callback: (error: Error | null, rows: { acquired?: number }[]) => void,
  ): void;
}

/**
 * Runs `work` while holding a MySQL advisory lock (GET_LOCK) named after the database, on one dedicated
 * connection of `sequelize`'s pool kept for the whole run, so instances starting together migrate one
 * after another. SQLite is single-host and serialises writers itself, so it needs no lock.
 */
export async function withMigrationLock<T>(
  sequelize: Sequelize,
  database: string,
  work: () => Promise<T>,
): Promise<T> {
  if (sequelize.getDialect() !== 'mysql') return work();
  const manager = sequelize.connectionManager;
  const connection = (await manager.getConnection({ type: 'write' })) as unknown as RawConnection;
  const query = (sql: string, values: unknown[]) =>
    new Promise<{ acquired?: number }[]>((resolve, reject) =>
      connection.query(sql, values, (error, rows) => (error ? reject(error) : resolve(rows))),
    );
  const lockName = `dealership:migrate:${database}`;
  try {
    const [row] = await query('SELECT GET_LOCK(?, ?) AS acquired', [lockName, LOCK_WAIT_SECONDS]);
    if (row?.acquired !== 1) {
      throw new Error(`could not take the migration lock ${lockName} within ${LOCK_WAIT_SECONDS} s`);
    }
    try {
      return await work();
    } finally {
      await query('SELECT RELEASE_LOCK(?)', [lockName]);
    }
  } finally {
    manager.releaseConnection(connection as never);
  }
}
