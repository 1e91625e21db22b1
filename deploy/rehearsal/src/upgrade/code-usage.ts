import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
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
 * What the revision's Sequelize models use, as its own service says: `service/dist/cli/migrate.js
 * columns` run in a process of its own (so the revision's modules and its Sequelize never mix with this
 * one's, and a bundled service answers the same as an unbundled one). It needs no database.
 */
export async function readModelUsage(revision: Revision): Promise<ModelUsage> {
  const cli = join(revision.dir, 'service', 'dist', 'cli', 'migrate.js');
  const result = await run(process.execPath, [cli, 'columns'], {
    cwd: join(revision.dir, 'service'),
    env: { PATH: process.env.PATH, LOG_LEVEL: 'silent' },
  });
  if (result.code !== 0) {
    throw new Error(
      `cannot read the ${revision.role} revision's models (${revision.commit}) with \`migrate.js columns\`` +
        ` (a revision from before that command cannot be checked): ${result.stderr.trim().split('\n').slice(0, 5).join('\n')}`,
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
 * The modules of one compiled file. The revision's service is bundled by esbuild, unminified, which
 * starts each module's code with a `// path` line (src/db/models.ts, ../node_modules/…); a file without
 * one (a module compiled on its own) is one module, named by the file.
 */
function modulesOf(code: string, file: string): { path: string; code: string }[] {
  const markers = [...code.matchAll(/^\/\/ (\S+\.(?:[cm]?[jt]sx?|json))$/gm)];
  if (markers.length === 0) return [{ path: file, code }];
  const modules = [{ path: file, code: code.slice(0, markers[0]!.index) }];
  markers.forEach((marker, i) => {
    modules.push({ path: marker[1]!, code: code.slice(marker.index, markers[i + 1]?.index ?? code.length) });
  });
  return modules;
}

/** The service's own code: not a dependency's, and not a migration (which names what it creates or drops). */
const isOwnCode = (path: string) => !path.includes('node_modules/') && !/(^|\/)migrations\//.test(path);

/**
 * Where the revision's own code (service/dist, less its migrations and its dependencies) names a table,
 * or a column together with its table, as whole words in one module: how a raw query
 * (`sequelize.query('SELECT beat_ms FROM replication_heartbeat')`) uses what no model maps. Returns the
 * first such place for each name given, keyed `table` or `table.column`, as `FILE (MODULE)`. A name
 * found this way can be a coincidence, so the report names the place for a person to look at.
 */
export async function findMentions(
  revision: Revision,
  names: readonly SchemaName[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (names.length === 0) return found;
  const dist = join(revision.dir, 'service/dist');
  for (const file of await javascriptFiles(dist)) {
    const where = relative(revision.dir, file);
    for (const module of modulesOf(await readFile(file, 'utf8'), where)) {
      if (!isOwnCode(module.path)) continue;
      const code = withoutComments(module.code);
      const place = module.path === where ? where : `${where} (${module.path})`;
      for (const { table, column } of names) {
        const key = column === undefined ? table : `${table}.${column}`;
        if (found.has(key) || !wholeWord(table).test(code)) continue;
        if (column === undefined || wholeWord(column).test(code)) found.set(key, place);
      }
    }
  }
  return found;
}
