import { QueryTypes, type Sequelize } from 'sequelize';
import type { Logger } from '../logger.js';
import type { ReadRouter } from './read-router.js';

/** How often the heartbeat is written and each replica's lag measured. */
export const HEARTBEAT_INTERVAL_MS = 1_000;

const WRITE_BEAT = 'UPDATE replication_heartbeat SET beat_ms = ? WHERE id = 1';
const READ_BEAT = 'SELECT beat_ms AS beat FROM replication_heartbeat WHERE id = 1';

/**
 * Measures how far each replica is behind the primary, pt-heartbeat's way: every second the primary's
 * heartbeat row gets this process's clock, and each replica's copy of the row is read back. Everything
 * the primary committed before the beat the replica shows is on the replica too, so `now − beat` bounds
 * the replica's staleness from above (a replica that keeps up measures about one interval). Instances share
 * the row; their clocks are NTP-synchronised, as EC2's are by the Amazon Time Sync Service.
 * A replica that cannot be read is recorded as unmeasured, so the router does not use it.
 */
export class ReplicaLagMonitor {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private beaten = false;
  private readonly lagging = new Set<string>();

  constructor(
    private readonly primary: Sequelize,
    private readonly replicas: { name: string; sequelize: Sequelize }[],
    private readonly router: ReadRouter<unknown>,
    private readonly maxLagMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    if (this.replicas.length === 0 || this.timer !== undefined) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Measures every replica, then writes the next beat. The first tick only writes: until a beat of this
   * run has had time to arrive, a replica would show an old one. A tick still waiting on a frozen server
   * is not doubled.
   */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      if (this.beaten) await Promise.all(this.replicas.map((replica) => this.measure(replica)));
      await this.primary.query(WRITE_BEAT, { replacements: [this.now()] }).then(
        () => {
          this.beaten = true;
        },
        (error: unknown) => {
          this.logger.debug({ err: error }, 'could not write the replication heartbeat on the primary');
        },
      );
    } finally {
      this.running = false;
    }
  }

  private async measure(replica: { name: string; sequelize: Sequelize }): Promise<void> {
    let lagMs: number | undefined;
    try {
      const [row] = await replica.sequelize.query<{ beat: number | string }>(READ_BEAT, {
        type: QueryTypes.SELECT,
      });
      lagMs = row === undefined ? undefined : Math.max(0, this.now() - Number(row.beat));
    } catch (error) {
      this.logger.debug({ replica: replica.name, err: error }, 'could not measure the replica lag');
    }
    this.router.recordLag(replica.name, lagMs);
    const behind = lagMs === undefined || lagMs > this.maxLagMs;
    if (behind && !this.lagging.has(replica.name)) {
      this.lagging.add(replica.name);
      this.logger.warn(
        { replica: replica.name, lagMs: lagMs ?? null, maxLagMs: this.maxLagMs },
        lagMs === undefined
          ? 'read replica lag cannot be measured; reading from the primary'
          : 'read replica is too far behind; reading from the primary',
      );
    } else if (!behind && this.lagging.delete(replica.name)) {
      this.logger.info({ replica: replica.name, lagMs }, 'read replica caught up; reading from it again');
    }
  }
}
