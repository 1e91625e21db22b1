import { ForeignKeyConstraintError, type Model, type Transaction } from 'sequelize';
import type { Database } from '../db/database.js';
import { type ListFilter, type PageRequest, selectPage } from '../db/list-query.js';
import type { AnyTable, Models } from '../db/models.js';
import type { Page } from '../schemas/fields.js';
import { conflict, notFound } from './errors.js';

/**
 * How one plain resource (cars, customers, salespeople, mechanics, parts) is stored and shown. The
 * list/get/create/update/delete rules below are the same for all of them.
 */
export interface RecordKind<Row, Json> {
  /** Singular, for messages: "car 7 does not exist". */
  name: string;
  table(models: Models): AnyTable;
  toJson(row: Row): Json;
  /** A column that must be unique, checked (under the transaction) before writing → 409. */
  unique?: { attribute: keyof Row & string; label: string };
  /** What can refer to a record, for the 409 when deleting it. */
  referencedBy: string;
  /** Extra rules for an update, given the locked current row (throw a DomainError to refuse). */
  checkUpdate?(current: Row, patch: Partial<Row>): void;
}

function plain<Row>(row: Model): Row {
  return row.get({ plain: true }) as Row;
}

export async function listRecords<Row, Json>(
  db: Database,
  kind: RecordKind<Row, Json>,
  filters: ListFilter<Row>[],
  page: PageRequest,
): Promise<Page<Json>> {
  const { rows, total } = await db.read((models) => selectPage<Row>(kind.table(models), filters, page));
  return { items: rows.map((row) => kind.toJson(row)), total, ...page };
}

/** One record, read from the primary so a client sees what it has just written. */
export async function getRecord<Row, Json>(
  db: Database,
  kind: RecordKind<Row, Json>,
  id: number,
): Promise<Json> {
  const row = await kind.table(db.primary).findByPk(id);
  if (row === null) throw notFound(kind.name, id);
  return kind.toJson(plain<Row>(row));
}

async function assertUnique<Row, Json>(
  kind: RecordKind<Row, Json>,
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

export async function createRecord<Row, Json>(
  db: Database,
  kind: RecordKind<Row, Json>,
  values: Partial<Row>,
): Promise<Json> {
  return db.transaction(async (transaction, models) => {
    await assertUnique(kind, models, transaction, values);
    const row = await kind.table(models).create(values, { transaction });
    return kind.toJson(plain<Row>(row));
  });
}

export async function updateRecord<Row, Json>(
  db: Database,
  kind: RecordKind<Row, Json>,
  id: number,
  patch: Partial<Row>,
): Promise<Json> {
  return db.transaction(async (transaction, models) => {
    const row = await kind.table(models).findByPk(id, { transaction, lock: transaction.LOCK.UPDATE });
    if (row === null) throw notFound(kind.name, id);
    kind.checkUpdate?.(plain<Row>(row), patch);
    await assertUnique(kind, models, transaction, patch, id);
    await row.update(patch, { transaction });
    return kind.toJson(plain<Row>(row));
  });
}

export async function deleteRecord<Row, Json>(
  db: Database,
  kind: RecordKind<Row, Json>,
  id: number,
): Promise<void> {
  await db.transaction(async (transaction, models) => {
    const row = await kind.table(models).findByPk(id, { transaction, lock: transaction.LOCK.UPDATE });
    if (row === null) throw notFound(kind.name, id);
    try {
      await row.destroy({ transaction });
    } catch (error) {
      if (error instanceof ForeignKeyConstraintError) {
        throw conflict(`${kind.name} ${id} is still referenced by ${kind.referencedBy}`);
      }
      throw error;
    }
  });
}
