import type { Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { migrations } from '../migrations/index.js';
import { createSequelize } from './connect.js';
import { connectOptions, type DatabaseDependencies } from './database.js';
import { withMigrationLock } from './migration-lock.js';

function migrator(sequelize: Sequelize, logger: Logger) {
  return new Umzug({
    migrations,
    context: sequelize.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize, tableName: 'SequelizeMeta' }),
    logger: {
      info: (event) => logger.info(event, 'migration'),
      warn: (event) => logger.warn(event, 'migration'),
      error: (event) => logger.error(event, 'migration'),
      debug: (event) => logger.debug(event, 'migration'),
    },
  });
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

export type MigrationConfig = Pick<Config, 'database' | 'migrationDatabase' | 'connections'>;

/**
 * A connection for migrations and user management: DATABASE_MIGRATION_URL's user (DDL) when set, else
 * the service's own. Closed by `use`'s end.
 */
export async function withMigrationConnection<T>(
  config: MigrationConfig,
  dependencies: DatabaseDependencies,
  use: (sequelize: Sequelize) => Promise<T>,
): Promise<T> {
  const asServiceUser = config.migrationDatabase === config.database;
  const sequelize = createSequelize(
    config.migrationDatabase,
    connectOptions(config.connections, dependencies, 'migrations', asServiceUser),
  );
  try {
    return await use(sequelize);
  } finally {
    await sequelize.close();
  }
}

/**
 * Applies every pending migration exactly once, even when several instances start at the same time.
 * `sqlite`: the service's own SQLite connection (an in-memory database exists only on it).
 */
export function migrateUp(
  config: MigrationConfig,
  logger: Logger,
  dependencies: DatabaseDependencies = {},
  sqlite?: Sequelize,
): Promise<string[]> {
  const target = config.migrationDatabase;
  const run = (sequelize: Sequelize) =>
    withMigrationLock(sequelize, target.dialect === 'mysql' ? target.database : target.storage, async () => {
      const applied = await migrator(sequelize, logger).up();
      return applied.map((migration) => migration.name);
    });
  return sqlite !== undefined && target.dialect === 'sqlite'
    ? run(sqlite)
    : withMigrationConnection(config, dependencies, run);
}

export async function migrationStatus(sequelize: Sequelize, logger: Logger): Promise<MigrationStatus> {
  const umzug = migrator(sequelize, logger);
  const [applied, pending] = await Promise.all([umzug.executed(), umzug.pending()]);
  return { applied: applied.map((m) => m.name), pending: pending.map((m) => m.name) };
}
