import {
  findMentions,
  type ModelColumn,
  type ModelUsage,
  readModelUsage,
  type SchemaName,
} from './code-usage.js';
import { createScratchDatabase, migrateWith, readSchema, type ScratchDatabase } from './database.js';
import type { Revision } from './revision.js';
import { describeDiff, diffSchemas, type SchemaDiff } from './schema-diff.js';

export type FindingKind =
  | 'dropped-table'
  | 'renamed-table'
  | 'dropped-column'
  | 'renamed-column'
  | 'required-column'
  | 'now-required';

/** A schema change the base revision's code cannot live with while it still runs beside the new one. */
export interface Finding {
  kind: FindingKind;
  table: string;
  column?: string;
  /** The new name of a renamed table or column. */
  to?: string;
  /** How the base code uses it: a model attribute, or a file that names it. */
  usedBy: string;
  /** What breaks, and the expand/contract sequence to use instead. */
  explanation: string;
}

export interface MigrationCheck {
  status: 'passed' | 'failed';
  database: ScratchDatabase['dialect'];
  durationMs: number;
  /** What the base revision's migrations applied to an empty database. */
  baseMigrations: string[];
  /** What the head revision's migrations then applied: the pull request's. */
  newMigrations: string[];
  diff: SchemaDiff;
  /** The diff, one line per change. */
  changes: string[];
  findings: Finding[];
  /** The head's migrations could not run on the base's schema: the check fails with their output. */
  error?: string;
  /** Type changes of columns the base uses: not failures, but worth a look. */
  warnings: string[];
}

const q = (name: string) => `\`${name}\``;

/** Expand/contract, as the steps of the releases a change like this takes instead. */
function explain(
  kind: FindingKind,
  table: string,
  column: string | undefined,
  to: string | undefined,
  base: string,
) {
  const ref = column === undefined ? q(table) : q(`${table}.${column}`);
  const during = `During a rolling deploy the base revision (${base}) keeps serving on the instances not yet updated, against the schema this pull request's migrations leave — and it is what a rollback redeploys, without undoing migrations.`;
  switch (kind) {
    case 'renamed-column':
      return `${ref} is renamed to ${q(to!)} while the base code still reads and writes ${q(column!)}. ${during} Expand/contract instead: (1) this release adds ${q(to!)} (nullable or with a default) and ships code that writes both columns and reads ${q(to!)}, falling back to ${q(column!)}; (2) backfill ${q(to!)} from ${q(column!)}; (3) a later release ships code that uses only ${q(to!)}; (4) once no running or rollback revision uses ${q(column!)}, a further release drops it.`;
    case 'renamed-table':
      return `${ref} is renamed to ${q(to!)} while the base code still uses ${q(table)}. ${during} Expand/contract instead: (1) this release creates ${q(to!)} and ships code that writes both tables and reads ${q(to!)}, falling back to ${q(table)}; (2) backfill ${q(to!)}; (3) a later release ships code that uses only ${q(to!)}; (4) once no running or rollback revision uses ${q(table)}, a further release drops it.`;
    case 'dropped-column':
    case 'dropped-table':
      return `${ref} is dropped while the base code still uses it. ${during} Contract in two releases instead: (1) this release ships code that no longer reads or writes ${ref} (remove it from the model) and keeps it in the schema; (2) a later release, once no running or rollback revision uses it, drops it.`;
    case 'required-column':
      return `${ref} is added NOT NULL without a default, and the base code inserts into ${q(table)} without it: its inserts fail. ${during} Expand/contract instead: (1) add ${q(column!)} nullable or with a default and ship code that writes it; (2) backfill the existing rows; (3) a later release, when no running or rollback revision inserts without it, makes it NOT NULL.`;
    case 'now-required':
      return `${ref} becomes NOT NULL without a default, and the base code may write NULL there. ${during} Expand/contract instead: (1) ship code that always writes ${q(column!)}; (2) backfill the NULLs; (3) a later release, when no running or rollback revision writes NULL, adds the constraint.`;
  }
}

/** Intersects what the migrations removed or tightened with what the base code uses. */
export async function findBreakingChanges(
  diff: SchemaDiff,
  base: Revision,
  usage: ModelUsage,
): Promise<Finding[]> {
  const modelColumn = (table: string, column: string): ModelColumn | undefined =>
    usage[table]?.find((candidate) => candidate.field === column);
  const modelOf = (table: string) => usage[table]?.[0]?.model;

  // What no model maps may still be used by a raw query: look for the names in the base's code.
  const unmapped: SchemaName[] = [
    ...[...diff.droppedTables, ...diff.renamedTables.map((r) => r.from)]
      .filter((table) => modelOf(table) === undefined)
      .map((table) => ({ table })),
    ...[...diff.droppedColumns, ...diff.renamedColumns].filter(
      (c) => modelColumn(c.table, c.column) === undefined,
    ),
  ];
  const mentions = await findMentions(base, unmapped);
  const tableUse = (table: string) =>
    modelOf(table) !== undefined
      ? `model ${modelOf(table)}`
      : mentions.has(table)
        ? `named in ${mentions.get(table)}`
        : undefined;
  const columnUse = (table: string, column: string) => {
    const mapped = modelColumn(table, column);
    if (mapped) return `model ${mapped.model}, attribute ${mapped.attribute}`;
    const file = mentions.get(`${table}.${column}`);
    return file === undefined ? undefined : `named with ${q(table)} in ${file}`;
  };

  const findings: Finding[] = [];
  const add = (
    kind: FindingKind,
    table: string,
    column: string | undefined,
    to: string | undefined,
    usedBy: string | undefined,
  ) => {
    if (usedBy === undefined) return;
    findings.push({
      kind,
      table,
      ...(column === undefined ? {} : { column }),
      ...(to === undefined ? {} : { to }),
      usedBy,
      explanation: explain(kind, table, column, to, base.commit),
    });
  };
  for (const table of diff.droppedTables) add('dropped-table', table, undefined, undefined, tableUse(table));
  for (const { from, to } of diff.renamedTables) add('renamed-table', from, undefined, to, tableUse(from));
  for (const { table, column } of diff.droppedColumns)
    add('dropped-column', table, column, undefined, columnUse(table, column));
  for (const { table, column, to } of diff.renamedColumns)
    add('renamed-column', table, column, to, columnUse(table, column));
  for (const { table, column, shape } of diff.addedColumns) {
    if (!shape.allowNull && !shape.hasDefault && modelOf(table) !== undefined) {
      add(
        'required-column',
        table,
        column,
        undefined,
        `model ${modelOf(table)} (its inserts name only its own attributes)`,
      );
    }
  }
  for (const { table, column, before, after } of diff.changedColumns) {
    const mapped = modelColumn(table, column);
    if (before.allowNull && !after.allowNull && !after.hasDefault && mapped?.allowNull) {
      add(
        'now-required',
        table,
        column,
        undefined,
        `model ${mapped.model}, attribute ${mapped.attribute} (allowNull)`,
      );
    }
  }
  return findings;
}

/**
 * The migration check: the base revision's migrations on an empty scratch database, its schema read,
 * then the head revision's migrations (the pull request's new ones) and the schema read again. What
 * they removed, renamed or made required is intersected with what the base revision's code uses — its
 * models (read from its built service) and, for what no model maps, its code's raw queries. Any such
 * change fails the check with the expand/contract sequence to use instead.
 */
export async function checkMigrations(options: {
  base: Revision;
  head: Revision;
  /** Where a SQLite scratch database goes. */
  dir: string;
  /** A MySQL/MariaDB server to create the scratch database on; default SQLite. */
  mysqlServer?: URL;
}): Promise<MigrationCheck> {
  const started = Date.now();
  const { base, head } = options;
  const database = await createScratchDatabase({
    purpose: 'check',
    dir: options.dir,
    mysqlServer: options.mysqlServer,
  });
  try {
    const usage = await readModelUsage(base);
    const baseMigrations = await migrateWith(base, database.url, 'an empty database');
    const before = await readSchema(database.url);
    let newMigrations: string[];
    try {
      newMigrations = await migrateWith(head, database.url, "the base revision's schema");
    } catch (error) {
      const empty = diffSchemas(before, before);
      return {
        status: 'failed',
        database: database.dialect,
        durationMs: Date.now() - started,
        baseMigrations,
        newMigrations: [],
        diff: empty,
        changes: [],
        findings: [],
        error: (error as Error).message,
        warnings: [],
      };
    }
    const after = await readSchema(database.url);
    const diff = diffSchemas(before, after);
    const findings = await findBreakingChanges(diff, base, usage);
    const warnings = diff.changedColumns
      .filter(
        ({ table, column, before, after }) =>
          before.type !== after.type && usage[table]?.some((c) => c.field === column),
      )
      .map(
        ({ table, column, before, after }) =>
          `${q(`${table}.${column}`)} changes type ${before.type} → ${after.type} under the base code's model: check that every value it writes still fits`,
      );
    return {
      status: findings.length === 0 ? 'passed' : 'failed',
      database: database.dialect,
      durationMs: Date.now() - started,
      baseMigrations,
      newMigrations,
      diff,
      changes: describeDiff(diff),
      findings,
      warnings,
    };
  } finally {
    await database.drop();
  }
}
