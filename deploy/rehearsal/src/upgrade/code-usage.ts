import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { REHEARSAL_DIST } from '../paths.js';
import { run } from '../process.js';
import type { Revision } from './revision.js';

/** One column a model reads and writes: every query of the model names every attribute's column. */
export interface ModelColumn {
  model: string;
  attribute: string;
  /** The column's name in the database. */
  field: string;
  /** Whether the model lets the attribute be null (what the code may write). */
  allowNull: boolean;
}

/** The tables a revision's models map, each with its columns. */
export type ModelUsage = Record<string, ModelColumn[]>;

/**
 * What the revision's Sequelize models use, read from its built service by code-usage-probe.ts in a
 * process of its own (so the revision's modules and its Sequelize never mix with this one's).
 */
export async function readModelUsage(revision: Revision): Promise<ModelUsage> {
  const probe = join(REHEARSAL_DIST, 'upgrade', 'code-usage-probe.js');
  const result = await run(process.execPath, [probe, revision.dir], { cwd: revision.dir });
  if (result.code !== 0) {
    throw new Error(
      `cannot read the ${revision.role} revision's models (${revision.commit}): ${result.stderr.trim().split('\n').slice(0, 5).join('\n')}`,
    );
  }
  return JSON.parse(result.stdout) as ModelUsage;
}

/** Compiled JavaScript without its comments (a comment naming a column is no use of it). */
const withoutComments = (code: string) =>
  code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');

async function javascriptFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.js')) files.push(join(entry.parentPath, entry.name));
  }
  return files.sort();
}

const wholeWord = (name: string) => new RegExp(`\\b${name.replace(/[^\w]/g, '\\$&')}\\b`);

/** A table, or a column of a table, looked for in code. */
export interface SchemaName {
  table: string;
  column?: string;
}

/**
 * Where the revision's own code (service/dist, less its migrations) names a table, or a column together
 * with its table, as whole words in one file: how a raw query (`sequelize.query('SELECT beat_ms FROM
 * replication_heartbeat')`) uses what no model maps. Returns the first such file for each name given,
 * keyed `table` or `table.column`. A name found this way can be a coincidence, so the report names the
 * file for a person to look at.
 */
export async function findMentions(
  revision: Revision,
  names: readonly SchemaName[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (names.length === 0) return found;
  const dist = join(revision.dir, 'service/dist');
  const migrations = join(dist, 'migrations');
  for (const file of await javascriptFiles(dist)) {
    if (file.startsWith(`${migrations}/`)) continue;
    const code = withoutComments(await readFile(file, 'utf8'));
    for (const { table, column } of names) {
      const key = column === undefined ? table : `${table}.${column}`;
      if (found.has(key) || !wholeWord(table).test(code)) continue;
      if (column === undefined || wholeWord(column).test(code)) found.set(key, relative(revision.dir, file));
    }
  }
  return found;
}
