import type { Transaction } from 'sequelize';
import type { Database } from '../db/database.js';
import { type ListFilter, type Page, type PageRequest, selectPage } from '../db/list-query.js';
import type { AnyTable, Models } from '../db/models.js';
import { conflict, notFound } from './errors.js';

/**
 * How one plain resource (cars, customers, salespeople, mechanics, parts) is stored. The
 * list/get/create/update/delete rules below are the same for all of them.
 */
export interface RecordKind<Row> {
  /** Singular, for messages: "car 7 does not exist". */
  name: string;
  table(models: Models): AnyTable;
  /** A column that must be unique, checked (under the transaction) before writing → conflict. */
  unique?: { attribute: keyof Row & string; label: string };
  /** Extra rules for an update, given the locked current row (throw a DomainError to refuse). */
  checkUpdate?(current: Row, patch: Partial<Row>): void;
}

function plain<Row>(row: { get(options: { plain: true }): unknown }): Row {
  return row.get({ plain: true }) as Row;
}

export function listRecords<Row>(
  db: Database,
  kind: RecordKind<Row>,
  filters: ListFilter<Row>[],
  page: PageRequest,
): Promise<Page<Row>> {
  return db.read((models) => selectPage<Row>(kind.table(models), { filters, page }));
}

/** One record, read from the primary so a client sees what it has just written. */
export async function getRecord<Row>(db: Database, kind: RecordKind<Row>, id: number): Promise<Row> {
  const row = await db.readPrimary((models) => kind.table(models).findByPk(id));
  if (row === null) throw notFound(kind.name, id);
  return plain<Row>(row);
}

async function assertUnique<Row>(
  kind: RecordKind<Row>,
  models: Models,
  transaction: Transaction,
  values: Partial<Row>,
  exceptId?: number,
): Promise<void> {
  if (kind.unique === undefined) return;
  const value = values[kind.unique.attribute];
  if (value === undefined) return;
  const existing = await kind
    .table(models)
    .findOne({ where: { [kind.unique.attribute]: value }, transaction });
  if (existing !== null && existing.get('id') !== exceptId) {
    throw conflict(`a ${kind.name} with ${kind.unique.label} ${JSON.stringify(value)} already exists`);
  }
}

export function createRecord<Row>(db: Database, kind: RecordKind<Row>, values: Partial<Row>): Promise<Row> {
  return db.transaction(async (transaction, models) => {
    await assertUnique(kind, models, transaction, values);
    return plain<Row>(await kind.table(models).create(values, { transaction }));
  });
}

export function updateRecord<Row>(
  db: Database,
  kind: RecordKind<Row>,
  id: number,
  patch: Partial<Row>,
): Promise<Row> {
  return db.transaction(async (transaction, models) => {
    const row = await kind.table(models).findByPk(id, { transaction, lock: transaction.LOCK.UPDATE });
    if (row === null) throw notFound(kind.name, id);
    kind.checkUpdate?.(plain<Row>(row), patch);
    await assertUnique(kind, models, transaction, patch, id);
    await row.update(patch, { transaction });
    return plain<Row>(row);
  });
}

/** Deletes a record; one that another record refers to stays (the database's foreign key refuses: conflict). */
export async function deleteRecord<Row>(db: Database, kind: RecordKind<Row>, id: number): Promise<void> {
  await db.transaction(async (transaction, models) => {
    const row = await kind.table(models).findByPk(id, { transaction, lock: transaction.LOCK.UPDATE });
    if (row === null) throw notFound(kind.name, id);
    await row.destroy({ transaction });
  });
}
