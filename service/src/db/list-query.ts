import { QueryTypes, type Sequelize } from 'sequelize';
import type { AnyTable } from './models.js';

/**
 * Every list's query: one page of rows (in id order unless told otherwise) and the total, as two plain
 * SELECTs. Their column lists are compiled once per table from its model, each ordering once; only the
 * WHERE is assembled per request. It skips Sequelize's per-call query building (findAndCountAll
 * deep-clones its options and regenerates both statements on every request) and, on MySQL, its Query
 * machinery as well (a stack-capturing Error, a uuid, its replacement injection, its result
 * formatting): the statements run straight on connections of Sequelize's own pool, with mysql2's
 * parameter formatting. That was most of the ORM's share of a list's CPU in `npm run bench:service`.
 *
 * Filters name a model attribute and a comparison from a fixed set; columns come only from the model
 * and values only travel as replacements, so no request text is ever spliced into the SQL.
 */

/** How a filter compares the column with its value. */
export type Comparison = 'equals' | 'equalsIgnoringCase' | 'atLeast' | 'atMost';

export interface ListFilter<Row> {
  attribute: keyof Row & string;
  comparison: Comparison;
  value: string | number;
}

export interface PageRequest {
  limit: number;
  offset: number;
}

/** Sort keys, most significant first; the default is the primary key, ascending. */
export type ListOrder<Row> = [attribute: keyof Row & string, direction: 'ASC' | 'DESC'][];

export interface ListQuery<Row> {
  filters?: ListFilter<Row>[];
  page: PageRequest;
  order?: ListOrder<Row>;
}

interface CompiledList {
  /** `SELECT <every column AS its attribute> FROM <table>` */
  select: string;
  /** `SELECT COUNT(*) AS total FROM <table>` */
  count: string;
  /** ` ORDER BY … LIMIT ? OFFSET ?` per ordering, compiled on first use. */
  orderAndPage: Map<string, string>;
  /** attribute → quoted column: the only columns a filter or an ordering may use. */
  columns: Map<string, string>;
  primaryKey: string;
}

const compiled = new WeakMap<AnyTable, CompiledList>();

function compile(table: AnyTable): CompiledList {
  const quote = (name: string) => table.sequelize!.getQueryInterface().quoteIdentifier(name);
  const columns = new Map(
    Object.entries(table.getAttributes()).map(([attribute, definition]) => [
      attribute,
      quote(definition.field ?? attribute),
    ]),
  );
  const from = `FROM ${quote(table.getTableName() as string)}`;
  const selected = [...columns].map(([attribute, column]) => `${column} AS ${quote(attribute)}`);
  return {
    select: `SELECT ${selected.join(', ')} ${from}`,
    count: `SELECT COUNT(*) AS ${quote('total')} ${from}`,
    orderAndPage: new Map(),
    columns,
    primaryKey: table.primaryKeyAttribute,
  };
}

function compiledFor(table: AnyTable): CompiledList {
  let list = compiled.get(table);
  if (list === undefined) {
    list = compile(table);
    compiled.set(table, list);
  }
  return list;
}

function condition(column: string, comparison: Comparison): string {
  switch (comparison) {
    case 'equals':
      return `${column} = ?`;
    case 'equalsIgnoringCase':
      return `lower(${column}) = ?`;
    case 'atLeast':
      return `${column} >= ?`;
    case 'atMost':
      return `${column} <= ?`;
  }
}

function column(list: CompiledList, attribute: string, use: string): string {
  const found = list.columns.get(attribute);
  if (found === undefined) throw new Error(`cannot ${use} ${JSON.stringify(attribute)}: not a column`);
  return found;
}

function orderAndPage<Row>(list: CompiledList, order: ListOrder<Row> | undefined): string {
  const key = order === undefined ? '' : JSON.stringify(order);
  let clause = list.orderAndPage.get(key);
  if (clause === undefined) {
    const keys = (order ?? ([[list.primaryKey, 'ASC']] as ListOrder<Row>)).map(
      ([attribute, direction]) =>
        `${column(list, attribute, 'order by')} ${direction === 'DESC' ? 'DESC' : 'ASC'}`,
    );
    clause = ` ORDER BY ${keys.join(', ')} LIMIT ? OFFSET ?`;
    list.orderAndPage.set(key, clause);
  }
  return clause;
}

/** ` WHERE a = ? AND …` and its replacements, or nothing without filters. */
function whereClause<Row>(
  list: CompiledList,
  filters: ListFilter<Row>[],
): { sql: string; values: (string | number)[] } {
  if (filters.length === 0) return { sql: '', values: [] };
  const values: (string | number)[] = [];
  const conditions = filters.map(({ attribute, comparison, value }) => {
    values.push(comparison === 'equalsIgnoringCase' ? String(value).toLowerCase() : value);
    return condition(column(list, attribute, 'filter on'), comparison);
  });
  return { sql: ` WHERE ${conditions.join(' AND ')}`, values };
}

interface PooledConnection {
  query(
    options: { sql: string; values: unknown[] },
    callback: (error: Error | null, rows: unknown) => void,
  ): void;
}

/**
 * The page's SELECT and its COUNT on one connection of `sequelize`'s pool (one acquire for the pair;
 * mysql2 sends the second as soon as the first is answered), so TLS, IAM tokens, the query timeout, the
 * pool's limits and the connection's type casts all apply. Errors are mysql2's own; db/errors.ts reads
 * them as it reads Sequelize's.
 */
async function selectPair<A extends object, B extends object>(
  sequelize: Sequelize,
  first: { sql: string; values: unknown[] },
  second: { sql: string; values: unknown[] },
): Promise<[A[], B[]]> {
  if (sequelize.getDialect() !== 'mysql') {
    const run = <T extends object>({ sql, values }: { sql: string; values: unknown[] }) =>
      sequelize.query<T>(sql, { type: QueryTypes.SELECT, raw: true, replacements: values });
    return Promise.all([run<A>(first), run<B>(second)]);
  }
  const manager = sequelize.connectionManager;
  const connection = (await manager.getConnection({ type: 'read' })) as unknown as PooledConnection;
  const run = <T>(statement: { sql: string; values: unknown[] }) =>
    new Promise<T[]>((resolve, reject) =>
      connection.query(statement, (error, rows) => (error ? reject(error) : resolve(rows as T[]))),
    );
  try {
    return await Promise.all([run<A>(first), run<B>(second)]);
  } finally {
    manager.releaseConnection(connection as never);
  }
}

export interface Page<Row> {
  rows: Row[];
  total: number;
}

/** One page of `table`'s rows matching the filters, in order, and how many match in all. */
export async function selectPage<Row>(
  table: AnyTable,
  { filters = [], page, order }: ListQuery<Row>,
): Promise<Page<Row>> {
  const list = compiledFor(table);
  const where = whereClause(list, filters);
  const sequelize = table.sequelize!;
  const [rows, counted] = await selectPair<Record<string, unknown>, { total: number | string }>(
    sequelize,
    {
      sql: `${list.select}${where.sql}${orderAndPage(list, order)}`,
      values: [...where.values, page.limit, page.offset],
    },
    { sql: `${list.count}${where.sql}`, values: where.values },
  );
  // The columns are exactly the model's attributes, so each row is a Row.
  return { rows: rows as Row[], total: Number(counted[0]?.total ?? 0) };
}
