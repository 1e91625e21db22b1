import type { ColumnShape, Schema } from './database.js';

export interface ColumnRef {
  table: string;
  column: string;
}

/** What the pull request's migrations changed, read from the schema before and after them. */
export interface SchemaDiff {
  addedTables: string[];
  droppedTables: string[];
  /** A dropped table and an added one with exactly the same columns. */
  renamedTables: { from: string; to: string }[];
  addedColumns: (ColumnRef & { shape: ColumnShape })[];
  droppedColumns: ColumnRef[];
  /** In one table, the only dropped column and the only added one, of the same type. */
  renamedColumns: (ColumnRef & { to: string })[];
  changedColumns: (ColumnRef & { before: ColumnShape; after: ColumnShape })[];
}

const sameShape = (a: ColumnShape, b: ColumnShape) =>
  a.type === b.type &&
  a.allowNull === b.allowNull &&
  a.hasDefault === b.hasDefault &&
  a.primaryKey === b.primaryKey;

const columnSignature = (columns: Record<string, ColumnShape>) =>
  JSON.stringify(
    Object.keys(columns)
      .sort()
      .map((name) => [name, columns[name]!.type]),
  );

/**
 * The difference between two schemas. A database records no renames, only their result: a rename is
 * inferred where it is the one reading — the only column dropped from a table and the only one added to
 * it, with the same type; or a dropped table whose columns an added table has exactly. Either way the
 * old name is gone, which is what matters to the code that still uses it.
 */
export function diffSchemas(before: Schema, after: Schema): SchemaDiff {
  const droppedTables = Object.keys(before).filter((table) => !(table in after));
  const addedTables = Object.keys(after).filter((table) => !(table in before));
  const renamedTables: SchemaDiff['renamedTables'] = [];
  for (const from of droppedTables) {
    const matches = addedTables.filter(
      (to) =>
        columnSignature(after[to]!) === columnSignature(before[from]!) &&
        !renamedTables.some((r) => r.to === to),
    );
    if (matches.length === 1) renamedTables.push({ from, to: matches[0]! });
  }
  const diff: SchemaDiff = {
    addedTables: addedTables.filter((table) => !renamedTables.some((r) => r.to === table)),
    droppedTables: droppedTables.filter((table) => !renamedTables.some((r) => r.from === table)),
    renamedTables,
    addedColumns: [],
    droppedColumns: [],
    renamedColumns: [],
    changedColumns: [],
  };
  for (const table of Object.keys(before).filter((name) => name in after)) {
    const old = before[table]!;
    const now = after[table]!;
    const dropped = Object.keys(old).filter((column) => !(column in now));
    const added = Object.keys(now).filter((column) => !(column in old));
    if (dropped.length === 1 && added.length === 1 && old[dropped[0]!]!.type === now[added[0]!]!.type) {
      diff.renamedColumns.push({ table, column: dropped[0]!, to: added[0]! });
    } else {
      diff.droppedColumns.push(...dropped.map((column) => ({ table, column })));
      diff.addedColumns.push(...added.map((column) => ({ table, column, shape: now[column]! })));
    }
    for (const column of Object.keys(old).filter((name) => name in now)) {
      if (!sameShape(old[column]!, now[column]!)) {
        diff.changedColumns.push({ table, column, before: old[column]!, after: now[column]! });
      }
    }
  }
  return diff;
}

/** One line per change, for the report. */
export function describeDiff(diff: SchemaDiff): string[] {
  const shape = (s: ColumnShape) =>
    `${s.type}${s.allowNull ? ' NULL' : ' NOT NULL'}${s.hasDefault ? ' with a default' : ''}`;
  return [
    ...diff.addedTables.map((table) => `added table \`${table}\``),
    ...diff.addedColumns.map((c) => `added column \`${c.table}.${c.column}\` (${shape(c.shape)})`),
    ...diff.renamedTables.map((r) => `renamed table \`${r.from}\` to \`${r.to}\``),
    ...diff.renamedColumns.map((c) => `renamed column \`${c.table}.${c.column}\` to \`${c.to}\``),
    ...diff.changedColumns.map(
      (c) => `changed column \`${c.table}.${c.column}\`: ${shape(c.before)} → ${shape(c.after)}`,
    ),
    ...diff.droppedColumns.map((c) => `dropped column \`${c.table}.${c.column}\``),
    ...diff.droppedTables.map((table) => `dropped table \`${table}\``),
  ];
}
