import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import mysql2 from 'mysql2';
import { Sequelize } from 'sequelize';
import type { DatabaseTarget } from '../config.js';

export interface ConnectOptions {
  /** Replicas get a short connect timeout so a dead one is detected (and skipped) quickly. */
  connectTimeoutMs: number;
  poolMax: number;
}

/** One Sequelize instance for one database; nothing is connected until the first query. */
export function createSequelize(target: DatabaseTarget, options: ConnectOptions): Sequelize {
  const common = {
    logging: false as const,
    define: { underscored: true, timestamps: false, freezeTableName: true },
    pool: { max: options.poolMax, min: 0, idle: 10_000, acquire: options.connectTimeoutMs + 5_000 },
  };
  if (target.dialect === 'sqlite') {
    if (target.storage !== ':memory:') mkdirSync(dirname(target.storage), { recursive: true });
    const sequelize = new Sequelize({ ...common, dialect: 'sqlite', storage: target.storage });
    // Another process (the token CLI) may hold the write lock for a moment: wait rather than fail.
    sequelize.addHook('afterConnect', (connection) => {
      (connection as { configure(option: 'busyTimeout', ms: number): void }).configure('busyTimeout', 5_000);
    });
    return sequelize;
  }
  return new Sequelize(target.url, {
    ...common,
    dialect: 'mysql',
    // Sequelize loads its dialect's driver with a require() it works out at run time, which a bundler
    // cannot follow; handing it the driver keeps the bundled revision self-contained (docs/rehearsal.md).
    dialectModule: mysql2,
    timezone: '+00:00',
    dialectOptions: { connectTimeout: options.connectTimeoutMs, decimalNumbers: false, dateStrings: false },
  });
}
