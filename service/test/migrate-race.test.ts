import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDatabase, type MysqlDatabase } from './kit/databases.js';
import { runBuilt } from './kit/service-process.js';

const migrate = (databaseUrl: string) => runBuilt('cli/migrate', ['up'], { DATABASE_URL: databaseUrl });

const RACERS = 4;

/** Tables, columns, indexes and foreign keys of one database, as comparable rows. */
async function describeSchema(database: MysqlDatabase): Promise<Record<string, unknown[]>> {
  const where = 'WHERE TABLE_SCHEMA = ?';
  const params = [database.name];
  const [columns, indexes, foreignKeys] = await Promise.all([
    database.query(
      `SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY, COLUMN_DEFAULT
         FROM information_schema.COLUMNS ${where} ORDER BY TABLE_NAME, ORDINAL_POSITION`,
      params,
    ),
    database.query(
      `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME
         FROM information_schema.STATISTICS ${where} ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
      params,
    ),
    database.query(
      `SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
         FROM information_schema.KEY_COLUMN_USAGE ${where} AND REFERENCED_TABLE_NAME IS NOT NULL
         ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION`,
      params,
    ),
  ]);
  return { columns, indexes, foreignKeys };
}

async function appliedMigrations(database: MysqlDatabase): Promise<string[]> {
  const rows = await database.query('SELECT name FROM `SequelizeMeta` ORDER BY name');
  return rows.map((row) => String(row.name));
}

describe(`${RACERS} migrate processes racing on one empty database`, () => {
  let raced: MysqlDatabase;
  let alone: MysqlDatabase;

  beforeAll(async () => {
    [raced, alone] = await Promise.all([createMysqlDatabase(), createMysqlDatabase()]);
  });

  afterAll(async () => {
    await Promise.all([raced?.drop(), alone?.drop()]);
  });

  it('all exit 0 and apply each migration exactly once, leaving the complete schema', async () => {
    const results = await Promise.all(Array.from({ length: RACERS }, () => migrate(raced.url)));
    for (const result of results) {
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    }

    // The reference: the same migrations applied by a single process, with nobody racing.
    const reference = await migrate(alone.url);
    expect(reference.code, `${reference.stdout}\n${reference.stderr}`).toBe(0);

    const racedNames = await appliedMigrations(raced);
    const referenceNames = await appliedMigrations(alone);
    expect(referenceNames.length).toBeGreaterThan(0);
    expect(new Set(racedNames).size).toBe(racedNames.length);
    expect(racedNames).toEqual(referenceNames);

    const racedSchema = await describeSchema(raced);
    expect(racedSchema).toEqual(await describeSchema(alone));
    const tables = new Set(racedSchema.columns?.map((row) => (row as { TABLE_NAME: string }).TABLE_NAME));
    for (const table of ['cars', 'customers', 'salespeople', 'invoices', 'parts']) {
      expect(tables).toContain(table);
    }

    // Once everything is applied, another run has nothing left to do and still succeeds.
    const again = await migrate(raced.url);
    expect(again.code, again.stderr).toBe(0);
    expect(await appliedMigrations(raced)).toEqual(referenceNames);
  }, 120_000);
});
