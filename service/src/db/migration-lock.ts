import mysql from 'mysql2/promise';
import type { DatabaseTarget } from '../config.js';

const LOCK_WAIT_SECONDS = 300;

/**
 * Runs `work` while holding a MySQL advisory lock (GET_LOCK) named after the database, on one dedicated
 * connection kept open for the whole run, so instances starting together migrate one after another.
 * SQLite is single-host and serialises writers itself, so it needs no lock.
 */
export async function withMigrationLock<T>(target: DatabaseTarget, work: () => Promise<T>): Promise<T> {
  if (target.dialect !== 'mysql') return work();
  const connection = await mysql.createConnection({ uri: target.url, connectTimeout: 10_000 });
  const lockName = `dealership:migrate:${target.database}`;
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS acquired', [
      lockName,
      LOCK_WAIT_SECONDS,
    ]);
    if (rows[0]?.acquired !== 1) {
      throw new Error(`could not take the migration lock ${lockName} within ${LOCK_WAIT_SECONDS} s`);
    }
    try {
      return await work();
    } finally {
      await connection.query('SELECT RELEASE_LOCK(?)', [lockName]);
    }
  } finally {
    await connection.end();
  }
}
