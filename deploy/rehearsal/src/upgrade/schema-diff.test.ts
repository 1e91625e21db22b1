import { describe, expect, it } from 'vitest';
import type { ColumnShape, Schema } from './database.js';
import { describeDiff, diffSchemas } from './schema-diff.js';

const column = (type: string, allowNull = true, hasDefault = false): ColumnShape => ({
  type,
  allowNull,
  hasDefault,
  primaryKey: false,
});
const id: ColumnShape = { type: 'INTEGER', allowNull: false, hasDefault: true, primaryKey: true };

const before: Schema = {
  customers: { id, email: column('VARCHAR(254)'), city: column('VARCHAR(100)') },
  mechanics: { id, first_name: column('VARCHAR(100)', false) },
};

describe('diffSchemas', () => {
  it('reads the only dropped and the only added column of one type in a table as a rename', () => {
    const after: Schema = {
      ...before,
      customers: { id, email_address: column('VARCHAR(254)'), city: column('VARCHAR(100)') },
    };
    const diff = diffSchemas(before, after);
    expect(diff.renamedColumns).toEqual([{ table: 'customers', column: 'email', to: 'email_address' }]);
    expect(diff.droppedColumns).toEqual([]);
    expect(diff.addedColumns).toEqual([]);
    expect(describeDiff(diff)).toEqual(['renamed column `customers.email` to `email_address`']);
  });

  it('keeps a drop and an add of different types, or of several columns, as drops and adds', () => {
    const after: Schema = {
      ...before,
      customers: { id, email_hash: column('CHAR(64)'), zip: column('VARCHAR(16)') },
    };
    const diff = diffSchemas(before, after);
    expect(diff.renamedColumns).toEqual([]);
    expect(diff.droppedColumns).toEqual([
      { table: 'customers', column: 'email' },
      { table: 'customers', column: 'city' },
    ]);
    expect(diff.addedColumns.map((added) => added.column)).toEqual(['email_hash', 'zip']);
  });

  it('reads a dropped table whose columns an added table has exactly as a rename', () => {
    const { mechanics, ...rest } = before;
    const diff = diffSchemas(before, { ...rest, technicians: mechanics! });
    expect(diff.renamedTables).toEqual([{ from: 'mechanics', to: 'technicians' }]);
    expect(diff.droppedTables).toEqual([]);
    expect(diff.addedTables).toEqual([]);
  });

  it('reports a column made NOT NULL, and a type change, as changed', () => {
    const after: Schema = {
      ...before,
      customers: { id, email: column('VARCHAR(100)'), city: column('VARCHAR(100)', false) },
    };
    expect(describeDiff(diffSchemas(before, after))).toEqual([
      'changed column `customers.email`: VARCHAR(254) NULL → VARCHAR(100) NULL',
      'changed column `customers.city`: VARCHAR(100) NULL → VARCHAR(100) NOT NULL',
    ]);
  });
});
