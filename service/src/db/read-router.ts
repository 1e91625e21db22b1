/**
 * Chooses where a read-only query runs: a replica that is up and known to be close enough behind the
 * primary (round robin), or else the primary.
 *
 * - A replica whose query fails with a connection error is skipped for `cooldownMs`, or until a lag
 *   measurement succeeds again, and that read is retried on the primary (a read is safe to repeat), so
 *   a dead replica costs at most one failed attempt per cooldown.
 * - With `maxLagMs`, a replica is used only while its staleness bound is within it: the lag last
 *   measured (see replica-lag.ts) plus the time since that measurement, since replication may have
 *   stopped the moment after. A replica not measured yet, or whose measurement failed, is not used.
 */
export interface ReadTarget<T> {
  name: string;
  handle: T;
}

export interface ReadRouterOptions {
  cooldownMs: number;
  /** The staleness a read may see; undefined: replicas are used without measuring their lag. */
  maxLagMs?: number;
  now?: () => number;
  isConnectionError: (error: unknown) => boolean;
  onReplicaDown?: (name: string, error: unknown) => void;
}

interface Measurement {
  lagMs: number;
  measuredAt: number;
}

export class ReadRouter<T> {
  private readonly downUntil = new Map<string, number>();
  private readonly measured = new Map<string, Measurement | undefined>();
  private next = 0;
  private readonly now: () => number;

  constructor(
    private readonly primary: T,
    private readonly replicas: ReadTarget<T>[],
    private readonly options: ReadRouterOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** A lag measurement of a replica, or undefined when it could not be measured. One that answered is up. */
  recordLag(name: string, lagMs: number | undefined): void {
    this.measured.set(name, lagMs === undefined ? undefined : { lagMs, measuredAt: this.now() });
    if (lagMs !== undefined) this.downUntil.delete(name);
  }

  /** How stale a read from the replica could be now, in ms; undefined when unknown. */
  stalenessBound(name: string): number | undefined {
    const measurement = this.measured.get(name);
    return measurement && measurement.lagMs + (this.now() - measurement.measuredAt);
  }

  private usable(replica: ReadTarget<T>, now: number): boolean {
    if ((this.downUntil.get(replica.name) ?? 0) > now) return false;
    const { maxLagMs } = this.options;
    if (maxLagMs === undefined) return true;
    const bound = this.stalenessBound(replica.name);
    return bound !== undefined && bound <= maxLagMs;
  }

  /** The replica the next read would use, or undefined when none is usable. */
  pickReplica(): ReadTarget<T> | undefined {
    const now = this.now();
    for (let tried = 0; tried < this.replicas.length; tried++) {
      const replica = this.replicas[(this.next + tried) % this.replicas.length]!;
      if (this.usable(replica, now)) {
        this.next = (this.next + tried + 1) % this.replicas.length;
        return replica;
      }
    }
    return undefined;
  }

  /** Runs `query` on a usable replica, falling back to the primary. */
  async read<R>(query: (handle: T) => Promise<R>): Promise<R> {
    const replica = this.pickReplica();
    if (replica === undefined) return query(this.primary);
    try {
      return await query(replica.handle);
    } catch (error) {
      if (!this.options.isConnectionError(error)) throw error;
      this.downUntil.set(replica.name, this.now() + this.options.cooldownMs);
      this.measured.set(replica.name, undefined);
      this.options.onReplicaDown?.(replica.name, error);
      return query(this.primary);
    }
  }
}
