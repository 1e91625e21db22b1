import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Config, loadConfig } from '../../src/config.js';
import { Database } from '../../src/db/database.js';
import { prepareDatabase } from '../../src/db/prepare.js';
import { createLogger } from '../../src/logger.js';
import { createScratchDatabase, type ScratchDatabase } from '../kit/databases.js';

const logger = createLogger('silent');
let scratch: ScratchDatabase;
let config: Config;
let db: Database;

beforeAll(async () => {
  scratch = await createScratchDatabase('sqlite');
  const explicit = loadConfig({ DATABASE_URL: scratch.url });
  if (explicit.database.dialect !== 'sqlite') throw new Error('expected SQLite');
  // The embedded database, but in a scratch file rather than service/data/.
  config = { ...explicit, database: { ...explicit.database, embedded: true } };
  db = Database.fromConfig(config, logger);
});
afterAll(async () => {
  await db?.close();
  await scratch?.drop();
});

it('migrates and seeds the embedded database once, with demo data that obeys the business rules', async () => {
  await prepareDatabase(db, config, logger);
  const { Car, Invoice, Ticket, Part } = db.primary;
  expect(await Car.count()).toBe(5);
  const sold = await Car.findAll({ where: { status: 'sold' } });
  expect(sold).toHaveLength(1);
  expect(await Invoice.count({ where: { carId: sold[0]!.get('id') } })).toBe(1);
  expect(await Ticket.count({ where: { status: 'open' } })).toBe(1);
  expect(await Part.count()).toBeGreaterThan(0);

  await prepareDatabase(db, config, logger);
  expect(await Car.count()).toBe(5);
});

it('does not seed an explicit SQLite database', async () => {
  const other = await createScratchDatabase('sqlite');
  const explicit = loadConfig({ DATABASE_URL: other.url });
  const plain = Database.fromConfig(explicit, logger);
  try {
    await prepareDatabase(plain, explicit, logger);
    expect(await plain.primary.Car.count()).toBe(0);
  } finally {
    await plain.close();
    await other.drop();
  }
});
