import { QueryTypes, type Sequelize } from 'sequelize';
import type { Logger } from '../logger.js';
import type { ReadRouter } from './read-router.js';

/** How often the heartbeat is written and each replica's lag measured. */
export const HEARTBEAT_INTERVAL_MS = 1_000;

const WRITE_BEAT = 'UPDATE replication_heartbeat SET beat_ms = ? WHERE id = 1';
const READ_BEAT = 'SELECT beat_ms AS beat FROM replication_heartbeat WHERE id = 1';

/**
 * How far behind the primary each replica is, measured pt-heartbeat's way: every second this process
 * writes its clock into the primary's heartbeat row, and reads each replica's copy of the row.
 *
 * A replica showing the last beat this process wrote has everything the primary had accepted by then:
 * it is measured 0 behind (a replica that keeps up measures 0). One showing an older beat `r` is
 * measured `now − r` behind: at least that stale. While the primary accepts no beat (it is down), the
 * last one written stays the reference, so a replica that had caught up keeps serving reads: the
 * primary has nothing newer for it to miss. Instances share the row and their clocks are
 * NTP-synchronised (EC2's Amazon Time Sync Service). Writing and measuring run separately, so a
 * primary that hangs does not delay the measurements. A replica that cannot be read is recorded as
 * unmeasured, which the router treats as unusable.
 */
export class ReplicaLagMonitor {
  private timer: NodeJS.Timeout | undefined;
  private writing = false;
  private measuring = false;
  private lastWritten: number | undefined;
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
    const tick = () => {
      void this.beat();
      void this.measureAll();
    };
    tick();
    this.timer = setInterval(tick, HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Writes the next beat; one still waiting on a frozen primary is not doubled. */
  async beat(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    const value = this.now();
    try {
      await this.primary.query(WRITE_BEAT, { replacements: [value] });
      this.lastWritten = value;
    } catch (error) {
      this.logger.debug({ err: error }, 'could not write the replication heartbeat on the primary');
    } finally {
      this.writing = false;
    }
  }

  /** Measures every replica, once this process has written a beat for them to show. */
  async measureAll(): Promise<void> {
    if (this.measuring || this.lastWritten === undefined) return;
    this.measuring = true;
    try {
      await Promise.all(this.replicas.map((replica) => this.measure(replica, this.lastWritten ?? 0)));
    } finally {
      this.measuring = false;
    }
  }

  private async measure(replica: { name: string; sequelize: Sequelize }, lastWritten: number): Promise<void> {
    let lagMs: number | undefined;
    try {
      const [row] = await replica.sequelize.query<{ beat: number | string }>(READ_BEAT, {
        type: QueryTypes.SELECT,
      });
      const beat = Number(row?.beat);
      if (row !== undefined) lagMs = beat >= lastWritten ? 0 : Math.max(0, this.now() - beat);
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
