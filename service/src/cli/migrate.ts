import { loadConfig } from '../config.js';
import { Database } from '../db/database.js';
import { migrateUp, migrationStatus } from '../db/migrator.js';
import { createCliLogger } from '../logger.js';
import { exitOnStartupError } from '../process.js';

const USAGE = 'usage: migrate up | status';

/** `migrate up` applies pending migrations under the database lock; `migrate status` lists them. Exit 0 on success. */
async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if ((command !== 'up' && command !== 'status') || rest.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  const logger = createCliLogger(config.logLevel);
  const db = new Database(config.database, [], logger);
  try {
    if (command === 'up') {
      const applied = await migrateUp(db.primary.sequelize, config.database, logger);
      process.stdout.write(`${JSON.stringify({ applied })}\n`);
    } else {
      process.stdout.write(`${JSON.stringify(await migrationStatus(db.primary.sequelize, logger))}\n`);
    }
    return 0;
  } finally {
    await db.close();
  }
}

run(process.argv.slice(2)).then((code) => process.exit(code), exitOnStartupError);
