import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Database, DatabaseDependencies } from './database.js';
import { migrateUp } from './migrator.js';
import { seedDemoData } from './seed.js';

/** Start-up database work: migrations (unless MIGRATE_ON_START=false), and demo data for the embedded database. */
export async function prepareDatabase(
  db: Database,
  config: Config,
  logger: Logger,
  dependencies: DatabaseDependencies = {},
): Promise<void> {
  if (config.migrateOnStart) {
    const applied = await migrateUp(config, logger, dependencies, db.primary.sequelize);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  }
  if (config.database.dialect === 'sqlite' && config.database.embedded && (await seedDemoData(db))) {
    logger.info({ file: config.database.storage }, 'embedded database seeded with demo data');
  }
}
