/**
 * The benchmark's baseline: the car list served by a bare Koa handler over a mysql2 pool, with no
 * validation, auth, logging, ORM or replica routing. Same SQL semantics as `GET /cars?limit=20`:
 * one page of cars in id order plus the total count, as JSON.
 *
 * Env: DATABASE_URL (mysql://…), PORT, POOL_SIZE (match the service's pool).
 */
import Koa from 'koa';
import { createPool, type RowDataPacket } from 'mysql2/promise';

const { DATABASE_URL, PORT = '0', POOL_SIZE = '10' } = process.env;
if (DATABASE_URL === undefined) throw new Error('DATABASE_URL is required');

const pool = createPool({ uri: DATABASE_URL, connectionLimit: Number(POOL_SIZE) });

interface CarRow extends RowDataPacket {
  id: number;
  serial_number: string;
  make: string;
  model: string;
  year: number;
  color: string;
  car_condition: string;
  list_price: string;
  status: string;
}

const app = new Koa();
app.use(async (ctx) => {
  if (ctx.path === '/health') {
    ctx.body = { status: 'ok' };
    return;
  }
  if (ctx.method !== 'GET' || ctx.path !== '/cars') {
    ctx.status = 404;
    return;
  }
  const limit = Math.min(Math.max(Number(ctx.query.limit ?? 20) || 20, 1), 100);
  const offset = Math.max(Number(ctx.query.offset ?? 0) || 0, 0);
  const [[rows], [[count]]] = await Promise.all([
    pool.query<CarRow[]>(
      'SELECT id, serial_number, make, model, year, color, car_condition, list_price, status FROM cars ORDER BY id LIMIT ? OFFSET ?',
      [limit, offset],
    ),
    pool.query<RowDataPacket[]>('SELECT COUNT(*) AS total FROM cars'),
  ]);
  ctx.body = {
    items: rows.map((row) => ({
      id: row.id,
      serialNumber: row.serial_number,
      make: row.make,
      model: row.model,
      year: row.year,
      color: row.color,
      condition: row.car_condition,
      listPrice: row.list_price,
      status: row.status,
    })),
    total: Number(count?.total),
    limit,
    offset,
  };
});

const server = app.listen(Number(PORT), '127.0.0.1', () => {
  const address = server.address();
  // The bench waits for this line to learn the port.
  console.log(JSON.stringify({ listening: typeof address === 'object' ? address?.port : address }));
});
process.once('SIGTERM', () => {
  server.close();
  void pool.end();
});
