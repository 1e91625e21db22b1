import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Sequelize } from 'sequelize';
import { run } from '../process.js';
import type { Revision } from './revision.js';

/** A database of the check's own: a SQLite file, or a database created on a MySQL/MariaDB server. */
export interface ScratchDatabase {
  dialect: 'sqlite' | 'mysql';
  /** As the service reads it (DATABASE_URL). */
  url: string;
  /** What a report may show: the URL without its password. */
  label: string;
  drop(): Promise<void>;
}

const redact = (url: string) => url.replace(/^(mysql:\/\/[^:/@]*:)[^@]*@/, '$1***@');

/**
 * The server a `--mysql` URL names: `mysql://user[:password]@host[:port]`, without a database (each
 * run creates databases of its own and drops them).
 */
export function parseMysqlServer(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(
      `--mysql: expected mysql://user[:password]@host[:port], got ${JSON.stringify(redact(raw))}`,
    );
  }
  if (url.protocol !== 'mysql:' || !url.hostname || (url.pathname !== '' && url.pathname !== '/')) {
    throw new Error(
      `--mysql: expected mysql://user[:password]@host[:port] with no database (one is created per run), got ${JSON.stringify(redact(raw))}`,
    );
  }
  return url;
}

const serverConnection = (server: URL) =>
  new Sequelize(server.href.replace(/\/?$/, '/'), { dialect: 'mysql', logging: false });

/**
 * A fresh, empty database: on `mysqlServer`, named `dealership_<purpose>_<random>` (never one that
 * exists: CREATE DATABASE fails on a name taken); else a SQLite file under `dir`.
 */
export async function createScratchDatabase(options: {
  purpose: string;
  dir: string;
  mysqlServer?: URL;
}): Promise<ScratchDatabase> {
  const { purpose, dir, mysqlServer } = options;
  if (mysqlServer === undefined) {
    const file = join(dir, `${purpose}.sqlite`);
    return {
      dialect: 'sqlite',
      url: `sqlite:${file}`,
      label: `SQLite ${file}`,
      drop: () => rm(file, { force: true }),
    };
  }
  const name = `dealership_${purpose}_${randomBytes(5).toString('hex')}`;
  const admin = serverConnection(mysqlServer);
  try {
    await admin.query(`CREATE DATABASE \`${name}\``);
  } finally {
    await admin.close();
  }
  const url = new URL(mysqlServer.href);
  url.pathname = `/${name}`;
  return {
    dialect: 'mysql',
    url: url.href,
    label: `MySQL ${redact(url.href)}`,
    drop: async () => {
      const connection = serverConnection(mysqlServer);
      try {
        await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await connection.close();
      }
    },
  };
}

/** A Sequelize connection to a scratch database, for reading its schema. */
function connect(url: string): Sequelize {
  if (url.startsWith('sqlite:')) {
    return new Sequelize({ dialect: 'sqlite', storage: url.slice('sqlite:'.length), logging: false });
  }
  return new Sequelize(url, { dialect: 'mysql', logging: false });
}

/**
 * Runs a revision's migrations against `url` as its AfterInstall does (deploy/hooks/after-install.sh:
 * `node $APP_DIR/service/dist/cli/migrate.js up`, in service/, with the instance's environment), and
 * returns the names the CLI says it applied.
 */
export async function migrateWith(revision: Revision, url: string, onto: string): Promise<string[]> {
  const cli = join(revision.dir, 'service/dist/cli/migrate.js');
  const result = await run(process.execPath, [cli, 'up'], {
    cwd: join(revision.dir, 'service'),
    env: { PATH: process.env.PATH, DATABASE_URL: url, LOG_LEVEL: 'warn' },
  });
  const printed = result.stdout.split('\n').find((line) => line.startsWith('{"applied":'));
  if (result.code !== 0 || printed === undefined) {
    const output = `${result.stdout}${result.stderr}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(
      `the ${revision.role} revision's migrations (${revision.commit}) failed on ${onto} (exit ${result.code ?? result.signal}):\n${output}`,
    );
  }
  return (JSON.parse(printed) as { applied: string[] }).applied;
}

export interface ColumnShape {
  /** As the database reports it: VARCHAR(254), INTEGER, DECIMAL(12,2)… */
  type: string;
  allowNull: boolean;
  hasDefault: boolean;
  primaryKey: boolean;
}

/** Every table but the migrations' own bookkeeping, with its columns. */
export type Schema = Record<string, Record<string, ColumnShape>>;

/** The bookkeeping table umzug's SequelizeStorage keeps (service/src/db/migrator.ts). */
const MIGRATIONS_TABLE = 'SequelizeMeta';

export async function readSchema(url: string): Promise<Schema> {
  const sequelize = connect(url);
  try {
    const queries = sequelize.getQueryInterface();
    const tables = ((await queries.showAllTables()) as (string | { tableName: string })[])
      .map((table) => (typeof table === 'string' ? table : table.tableName))
      .filter((table) => table !== MIGRATIONS_TABLE)
      .sort();
    const schema: Schema = {};
    for (const table of tables) {
      const columns = await queries.describeTable(table);
      schema[table] = Object.fromEntries(
        Object.entries(columns).map(([name, column]) => [
          name,
          {
            type: column.type,
            // SQLite reports an INTEGER PRIMARY KEY as nullable; it never holds NULL.
            allowNull: column.allowNull && !column.primaryKey,
            hasDefault:
              (column.defaultValue !== undefined && column.defaultValue !== null) ||
              (column as { autoIncrement?: boolean }).autoIncrement === true,
            primaryKey: column.primaryKey,
          },
        ]),
      );
    }
    return schema;
  } finally {
    await sequelize.close();
  }
}
