import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { type AppUserGrant, grantAppUser } from '../db/app-user.js';
import { mappedColumns } from '../db/mapped-columns.js';
import { migrateUp, migrationStatus, withMigrationConnection } from '../db/migrator.js';
import { createCliLogger } from '../logger.js';
import { exitOnStartupError } from '../process.js';

const USAGE = `usage:
  migrate up                                          applies pending migrations (under a database lock)
  migrate status                                      prints {"applied":[...],"pending":[...]}
  migrate columns                                     prints {table: [{model, attribute, field, allowNull}]}:
      the tables and columns this code's models map (no database is needed); the upgrade check reads it
  migrate grant-app-user --user NAME --auth iam|password
      creates the service's own database user if missing and grants it SELECT, INSERT, UPDATE, DELETE on
      the database (no DDL); --auth password takes the password from DATABASE_APP_PASSWORD,
      --auth iam makes an RDS IAM user (RDS for MySQL/MariaDB only)
Connects with DATABASE_MIGRATION_URL when set, else DATABASE_URL.`;

class UsageError extends Error {}

type Command =
  | { command: 'up' }
  | { command: 'status' }
  | { command: 'columns' }
  | { command: 'grant-app-user'; grant: AppUserGrant };

function parseCommand(argv: string[], env: NodeJS.ProcessEnv): Command {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { user: { type: 'string' }, auth: { type: 'string' } },
  });
  const [command, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected ${JSON.stringify(rest.join(' '))}`);
  if (
    (command === 'up' || command === 'status' || command === 'columns') &&
    values.user === undefined &&
    values.auth === undefined
  ) {
    return { command };
  }
  if (command !== 'grant-app-user') throw new UsageError('expected up, status, columns or grant-app-user');
  const user = values.user ?? '';
  // MySQL user names: at most 32 characters; these are the ones that need no quoting anywhere.
  if (!/^[A-Za-z0-9_]{1,32}$/.test(user)) {
    throw new UsageError(`--user must be 1 to 32 letters, digits or _; got ${JSON.stringify(user)}`);
  }
  if (values.auth === 'iam') return { command, grant: { user, auth: 'iam' } };
  if (values.auth !== 'password') {
    throw new UsageError(`--auth must be iam or password; got ${JSON.stringify(values.auth ?? '')}`);
  }
  const password = env.DATABASE_APP_PASSWORD ?? '';
  if (password.length < 12) {
    throw new UsageError(
      '--auth password needs DATABASE_APP_PASSWORD (at least 12 characters) in the environment',
    );
  }
  return { command, grant: { user, auth: 'password', password } };
}

async function run(argv: string[]): Promise<number> {
  let parsed: Command;
  try {
    parsed = parseCommand(argv, process.env);
  } catch (error) {
    if (!(error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) {
      throw error;
    }
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.command === 'columns') {
    process.stdout.write(`${JSON.stringify(await mappedColumns())}\n`);
    return 0;
  }
  const config = loadConfig();
  const logger = createCliLogger(config.logLevel);
  let result: unknown;
  if (parsed.command === 'up') {
    result = { applied: await migrateUp(config, logger) };
  } else if (parsed.command === 'status') {
    result = await withMigrationConnection(config, {}, (sequelize) => migrationStatus(sequelize, logger));
  } else {
    const { grant } = parsed;
    result = await withMigrationConnection(config, {}, (sequelize) =>
      grantAppUser(sequelize, grant, config.connections.tls !== undefined),
    );
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}

run(process.argv.slice(2)).then((code) => process.exit(code), exitOnStartupError);
