import type { Transaction } from 'sequelize';
import { type Config, type DatabaseTarget, redact } from '../config.js';
import type { Logger } from '../logger.js';
import { type AuthTokenSource, type ConnectOptions, createSequelize } from './connect.js';
import { isConnectionLoss, toDomainError } from './errors.js';
import { rdsIamTokens } from './iam-auth.js';
import { defineModels, type Models } from './models.js';
import { ReadRouter } from './read-router.js';
import { ReplicaLagMonitor } from './replica-lag.js';

const REPLICA_CONNECT_TIMEOUT_MS = 1_000;
const REPLICA_COOLDOWN_MS = 15_000;
const DEADLOCK_RETRIES = 3;
const POOL_MAX = 10;

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

export type DatabaseConfig = Pick<Config, 'database' | 'replicas' | 'connections'>;

export interface DatabaseDependencies {
  /** Where IAM tokens come from (tests inject one); by default RDS's signer when IAM auth is on. */
  authToken?: AuthTokenSource;
}

/**
 * How connections are made for one use: the primary and the replicas (the service's own user: IAM
 * tokens when configured, queries bounded), or migrations (IAM only when they run as the service's own
 * user, i.e. without DATABASE_MIGRATION_URL; no query bound, since DDL on a large table may
 * legitimately be silent for minutes). TLS applies to all.
 */
export function connectOptions(
  settings: Config['connections'],
  dependencies: DatabaseDependencies,
  use: 'primary' | 'replica' | 'migrations',
  asServiceUser = use !== 'migrations',
): ConnectOptions {
  const iam = settings.iamAuth;
  const authToken = asServiceUser && iam ? (dependencies.authToken ?? rdsIamTokens(iam.region)) : undefined;
  return {
    connectTimeoutMs:
      use === 'replica'
        ? Math.min(REPLICA_CONNECT_TIMEOUT_MS, settings.connectTimeoutMs)
        : settings.connectTimeoutMs,
    poolMax: use === 'migrations' ? 2 : POOL_MAX,
    acquireTimeoutMs: settings.acquireTimeoutMs,
    queryTimeoutMs: use === 'migrations' ? undefined : settings.queryTimeoutMs,
    tls: settings.tls,
    authToken,
  };
}

/**
 * The primary (every write, every transaction, reads that must see the caller's own writes) and the
 * read replicas (lists and reports) behind one read router. Every query goes through `read`,
 * `readPrimary` or `transaction`, which turn database errors into domain errors (db/errors.ts).
 */
export class Database {
  readonly primary: Models;
  readonly target: DatabaseTarget;
  private readonly replicas: Models[];
  private readonly replicaNames: string[];
  private readonly router: ReadRouter<Models>;
  private readonly lagMonitor: ReplicaLagMonitor;
  private readonly sqliteWriters = new Mutex();

  constructor(config: DatabaseConfig, logger: Logger, dependencies: DatabaseDependencies = {}) {
    this.target = config.database;
    this.primary = defineModels(
      createSequelize(config.database, connectOptions(config.connections, dependencies, 'primary')),
    );
    this.replicas = config.replicas.map((replica) =>
      defineModels(createSequelize(replica, connectOptions(config.connections, dependencies, 'replica'))),
    );
    this.replicaNames = config.replicas.map(describeTarget);
    const named = this.replicas.map((handle, index) => ({ name: this.replicaNames[index]!, handle }));
    this.router = new ReadRouter(this.primary, named, {
      cooldownMs: REPLICA_COOLDOWN_MS,
      maxLagMs: config.connections.replicaMaxLagMs,
      isConnectionError: isConnectionLoss,
      onReplicaDown: (name, error) =>
        logger.warn({ replica: name, err: error }, 'read replica unreachable; reading from the primary'),
    });
    this.lagMonitor = new ReplicaLagMonitor(
      this.primary.sequelize,
      named.map(({ name, handle }) => ({ name, sequelize: handle.sequelize })),
      this.router as ReadRouter<unknown>,
      config.connections.replicaMaxLagMs,
      logger,
    );
    // Until the first measurement (about a second), and without replicas, reads go to the primary.
    this.lagMonitor.start();
  }

  static fromConfig(config: DatabaseConfig, logger: Logger, dependencies?: DatabaseDependencies): Database {
    return new Database(config, logger, dependencies);
  }

  /** How stale a read from each replica could be right now (ms; null when unknown). */
  replicaStaleness(): Record<string, number | null> {
    return Object.fromEntries(
      this.replicaNames.map((name) => [name, this.router.stalenessBound(name) ?? null]),
    );
  }

  /** A read that may be a little stale (lists, reports): a replica when one is usable. */
  async read<R>(query: (models: Models) => Promise<R>): Promise<R> {
    try {
      return await this.router.read(query);
    } catch (error) {
      throw toDomainError(error, false);
    }
  }

  /** A read from the primary: what the caller has just written, or what must be current (tokens). */
  async readPrimary<R>(query: (models: Models) => Promise<R>): Promise<R> {
    try {
      return await query(this.primary);
    } catch (error) {
      throw toDomainError(error, false);
    }
  }

  /**
   * One transaction on the primary. MySQL deadlocks are retried (the transaction was rolled back);
   * SQLite writers are queued and take the write lock at BEGIN (IMMEDIATE), so a transaction never fails
   * half-way for lack of the lock. A lost connection is never retried: the commit may have happened.
   */
  async transaction<R>(work: (transaction: Transaction, models: Models) => Promise<R>): Promise<R> {
    try {
      return await this.runTransaction(work);
    } catch (error) {
      throw toDomainError(error, true);
    }
  }

  private async runTransaction<R>(
    work: (transaction: Transaction, models: Models) => Promise<R>,
  ): Promise<R> {
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

  /** Whether the primary answers a trivial query within `timeoutMs`; the error when it does not. */
  async primaryReachable(
    timeoutMs: number,
  ): Promise<{ reachable: true } | { reachable: false; error: unknown }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ reachable: false; error: unknown }>((resolve) => {
      timer = setTimeout(
        () => resolve({ reachable: false, error: new Error(`no answer within ${timeoutMs} ms`) }),
        timeoutMs,
      );
    });
    const probe = this.primary.sequelize.query('SELECT 1').then(
      () => ({ reachable: true as const }),
      (error: unknown) => ({ reachable: false as const, error }),
    );
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.lagMonitor.stop();
    await Promise.all([this.primary, ...this.replicas].map((models) => models.sequelize.close()));
  }
}
