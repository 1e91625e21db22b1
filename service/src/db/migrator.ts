import type { Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import type { DatabaseTarget } from '../config.js';
import type { Logger } from '../logger.js';
import { migrations } from '../migrations/index.js';
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

/** Applies every pending migration exactly once, even when several instances start at the same time. */
export async function migrateUp(
  sequelize: Sequelize,
  target: DatabaseTarget,
  logger: Logger,
): Promise<string[]> {
  return withMigrationLock(target, async () => {
    const applied = await migrator(sequelize, logger).up();
    return applied.map((migration) => migration.name);
  });
}

export async function migrationStatus(sequelize: Sequelize, logger: Logger): Promise<MigrationStatus> {
  const umzug = migrator(sequelize, logger);
  const [applied, pending] = await Promise.all([umzug.executed(), umzug.pending()]);
  return { applied: applied.map((m) => m.name), pending: pending.map((m) => m.name) };
}
