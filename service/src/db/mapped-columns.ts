import type { Model, ModelStatic } from 'sequelize';
import { createSequelize } from './connect.js';
import { defineModels } from './models.js';

/** One column a model reads and writes: every query of the model names every attribute's column. */
export interface MappedColumn {
  model: string;
  attribute: string;
  /** The column's name in the database. */
  field: string;
  /** Whether the model lets the attribute be null (what this code may write). */
  allowNull: boolean;
}

/**
 * The tables and columns this code's models map, read without a database (`migrate columns`): what a
 * later revision's migrations must not drop or rename while this code still runs, which the upgrade
 * check (deploy/rehearsal/src/upgrade) compares across revisions. MySQL's dialect connects on the first
 * query only, and none is made.
 */
export async function mappedColumns(): Promise<Record<string, MappedColumn[]>> {
  const sequelize = createSequelize(
    {
      dialect: 'mysql',
      url: 'mysql://columns@127.0.0.1:9/columns',
      database: 'columns',
      host: '127.0.0.1',
      port: 9,
      user: 'columns',
    },
    { connectTimeoutMs: 1000, poolMax: 1, acquireTimeoutMs: 1000, queryTimeoutMs: undefined },
  );
  try {
    defineModels(sequelize);
    const tables: Record<string, MappedColumn[]> = {};
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
    return tables;
  } finally {
    await sequelize.close();
  }
}
