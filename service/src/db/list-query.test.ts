import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSequelize } from './connect.js';
import { type ListFilter, selectPage } from './list-query.js';
import { type CarRow, defineModels, type Models } from './models.js';

// The list query against a real (in-memory) SQLite; the API tests run it on MariaDB too.
describe('selectPage', () => {
  let models: Models;

  beforeAll(async () => {
    models = defineModels(
      createSequelize(
        { dialect: 'sqlite', storage: ':memory:', embedded: false },
        { connectTimeoutMs: 1_000, poolMax: 1, acquireTimeoutMs: 1_000, queryTimeoutMs: undefined },
      ),
    );
    await models.Car.sync();
    const car = (serialNumber: string, make: string, listPrice: string) => ({
      serialNumber,
      make,
      model: 'M',
      year: 2020,
      color: 'red',
      condition: 'new' as const,
      listPrice,
      status: 'in_stock' as const,
    });
    await models.Car.bulkCreate([
      car('S3', 'Ford', '30000.00'),
      car('S1', "O'Brien", '10000.00'),
      car('S2', 'ford', '20000.50'),
    ]);
  });
  afterAll(() => models.sequelize.close());

  const list = (filters: ListFilter<CarRow>[], page = { limit: 20, offset: 0 }) =>
    selectPage<CarRow>(models.Car, { filters, page });

  it('returns every attribute of a page of rows in id order, and the total', async () => {
    const { rows, total } = await list([], { limit: 2, offset: 1 });
    expect(total).toBe(3);
    expect(rows.map((row) => row.serialNumber)).toEqual(['S1', 'S2']);
    expect(rows[0]).toEqual({
      id: 2,
      serialNumber: 'S1',
      make: "O'Brien",
      model: 'M',
      year: 2020,
      color: 'red',
      condition: 'new',
      listPrice: 10000,
      status: 'in_stock',
    });
  });

  it('filters by equality, case-insensitive equality and ranges, counting only the matches', async () => {
    const { rows, total } = await list([
      { attribute: 'make', comparison: 'equalsIgnoringCase', value: 'FORD' },
      { attribute: 'listPrice', comparison: 'atLeast', value: '20000.50' },
      { attribute: 'listPrice', comparison: 'atMost', value: '30000' },
    ]);
    expect(rows.map((row) => row.serialNumber)).toEqual(['S3', 'S2']);
    expect(total).toBe(2);
    expect((await list([{ attribute: 'serialNumber', comparison: 'equals', value: 'S2' }])).total).toBe(1);
  });

  it('passes values as data, never as SQL', async () => {
    expect((await list([{ attribute: 'make', comparison: 'equals', value: "O'Brien" }])).total).toBe(1);
    const injected = await list([{ attribute: 'make', comparison: 'equals', value: "x' OR '1'='1" }]);
    expect(injected).toEqual({ rows: [], total: 0 });
  });

  it('refuses a filter on anything but a column of the model', async () => {
    const filter = { attribute: 'make = make OR 1', comparison: 'equals', value: 1 };
    await expect(list([filter as unknown as ListFilter<CarRow>])).rejects.toThrow(
      'cannot filter on "make = make OR 1": not a column',
    );
  });
});
