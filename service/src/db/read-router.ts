/**
 * Chooses where a read-only query runs: a healthy replica (round robin) or else the primary.
 * A replica whose query fails with a connection error is skipped for `cooldownMs`, and that read
 * is retried on the primary, so a dead replica costs at most one short connect timeout per cooldown.
 */
export interface ReadTarget<T> {
  name: string;
  handle: T;
}

export interface ReadRouterOptions {
  cooldownMs: number;
  now?: () => number;
  isConnectionError: (error: unknown) => boolean;
  onReplicaDown?: (name: string, error: unknown) => void;
}

export class ReadRouter<T> {
  private readonly downUntil = new Map<string, number>();
  private next = 0;
  private readonly now: () => number;

  constructor(
    private readonly primary: T,
    private readonly replicas: ReadTarget<T>[],
    private readonly options: ReadRouterOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The replica the next read would use, or undefined when none is healthy. */
  pickReplica(): ReadTarget<T> | undefined {
    const now = this.now();
    for (let tried = 0; tried < this.replicas.length; tried++) {
      const replica = this.replicas[(this.next + tried) % this.replicas.length]!;
      if ((this.downUntil.get(replica.name) ?? 0) <= now) {
        this.next = (this.next + tried + 1) % this.replicas.length;
        return replica;
      }
    }
    return undefined;
  }

  /** Runs `query` on a replica when one is healthy, falling back to the primary. */
  async read<R>(query: (handle: T) => Promise<R>): Promise<R> {
    const replica = this.pickReplica();
    if (replica === undefined) return query(this.primary);
    try {
      return await query(replica.handle);
    } catch (error) {
      if (!this.options.isConnectionError(error)) throw error;
      this.downUntil.set(replica.name, this.now() + this.options.cooldownMs);
      this.options.onReplicaDown?.(replica.name, error);
      return query(this.primary);
    }
  }
}
