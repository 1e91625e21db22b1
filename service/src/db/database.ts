import { ConnectionError, TimeoutError, type Transaction } from 'sequelize';
import { type Config, type DatabaseTarget, redact } from '../config.js';
import type { Logger } from '../logger.js';
import { createSequelize } from './connect.js';
import { defineModels, type Models } from './models.js';
import { ReadRouter } from './read-router.js';

const REPLICA_CONNECT_TIMEOUT_MS = 1_000;
const REPLICA_COOLDOWN_MS = 15_000;
const DEADLOCK_RETRIES = 3;

function isConnectionError(error: unknown): boolean {
  return error instanceof ConnectionError || error instanceof TimeoutError;
}

function isDeadlock(error: unknown): boolean {
  const code = (error as { parent?: { code?: string } }).parent?.code;
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
}

export function describeTarget(target: DatabaseTarget): string {
  return target.dialect === 'mysql' ? redact(target.url) : `sqlite:${target.storage}`;
}

/** A tiny FIFO mutex: SQLite takes one writer at a time, so writes queue here instead of failing busy. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * The primary (every write, every transaction, reads that must see the caller's own writes) and the
 * read replicas (lists and reports) behind one read router.
 */
export class Database {
  readonly primary: Models;
  private readonly replicas: Models[];
  private readonly router: ReadRouter<Models>;
  private readonly sqliteWriters = new Mutex();

  constructor(
    readonly target: DatabaseTarget,
    replicaTargets: DatabaseTarget[],
    logger: Logger,
  ) {
    this.primary = defineModels(createSequelize(target, { connectTimeoutMs: 5_000, poolMax: 10 }));
    this.replicas = replicaTargets.map((replica) =>
      defineModels(createSequelize(replica, { connectTimeoutMs: REPLICA_CONNECT_TIMEOUT_MS, poolMax: 10 })),
    );
    this.router = new ReadRouter(
      this.primary,
      this.replicas.map((handle, index) => ({ name: describeTarget(replicaTargets[index]!), handle })),
      {
        cooldownMs: REPLICA_COOLDOWN_MS,
        isConnectionError,
        onReplicaDown: (name, error) =>
          logger.warn({ replica: name, err: error }, 'read replica unreachable; reading from the primary'),
      },
    );
  }

  static fromConfig(config: Config, logger: Logger): Database {
    return new Database(config.database, config.replicas, logger);
  }

  /** A read that may be a little stale (lists, reports): a replica when one is healthy. */
  read<R>(query: (models: Models) => Promise<R>): Promise<R> {
    return this.router.read(query);
  }

  /**
   * One transaction on the primary. MySQL deadlocks are retried; SQLite writers are queued and take the
   * write lock at BEGIN (IMMEDIATE), so a transaction never fails half-way for lack of the lock.
   */
  async transaction<R>(work: (transaction: Transaction, models: Models) => Promise<R>): Promise<R> {
    const { sequelize } = this.primary;
    if (this.target.dialect === 'sqlite') {
      return this.sqliteWriters.run(() =>
        sequelize.transaction({ type: 'IMMEDIATE' as Transaction.TYPES }, (t) => work(t, this.primary)),
      );
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await sequelize.transaction((t) => work(t, this.primary));
      } catch (error) {
        if (!isDeadlock(error) || attempt >= DEADLOCK_RETRIES) throw error;
      }
    }
  }

  /** Whether the primary answers a trivial query within `timeoutMs`. */
  async primaryReachable(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const probe = this.primary.sequelize.query('SELECT 1').then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.primary, ...this.replicas].map((models) => models.sequelize.close()));
  }
}
