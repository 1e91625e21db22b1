/**
 * Run as its own process (code-usage.ts): `node code-usage-probe.js REVISION_DIR` prints, as JSON, every
 * table and column the revision's Sequelize models use. It builds the models with the revision's own
 * code — service/dist/db/connect.js `createSequelize` (the naming options: underscored, frozen table
 * names) and service/dist/db/models.js `defineModels` — and the Sequelize those resolve in the revision's
 * service/node_modules. The MySQL dialect needs no native module and connects on the first query only;
 * there is none.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Model, ModelStatic, Sequelize } from 'sequelize';
import type { ModelColumn } from './code-usage.js';

const [revisionDir] = process.argv.slice(2);
if (revisionDir === undefined) throw new Error('usage: code-usage-probe REVISION_DIR');
const dist = join(revisionDir, 'service/dist');

async function load<T>(file: string, name: string): Promise<T> {
  const path = join(dist, file);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`cannot load ${path}: ${(error as Error).message}`);
  }
  if (typeof module[name] !== 'function') throw new Error(`${path} exports no function ${name}`);
  return module[name] as T;
}

type CreateSequelize = (target: unknown, options: unknown) => Sequelize;
const createSequelize = await load<CreateSequelize>('db/connect.js', 'createSequelize');
const defineModels = await load<(sequelize: Sequelize) => unknown>('db/models.js', 'defineModels');

const sequelize = createSequelize(
  { dialect: 'mysql', url: 'mysql://probe@127.0.0.1:9/probe', database: 'probe' },
  { connectTimeoutMs: 1000, poolMax: 1, acquireTimeoutMs: 1000, queryTimeoutMs: undefined },
);
defineModels(sequelize);
const tables: Record<string, ModelColumn[]> = {};
for (const model of Object.values(sequelize.models) as ModelStatic<Model>[]) {
  const named = model.getTableName() as string | { tableName: string };
  const table = typeof named === 'string' ? named : named.tableName;
  tables[table] = Object.entries(model.getAttributes()).map(([attribute, definition]) => ({
    model: model.name,
    attribute,
    field: definition.field ?? attribute,
    allowNull: definition.allowNull !== false,
  }));
}
await sequelize.close();
process.stdout.write(`${JSON.stringify(tables)}\n`);
