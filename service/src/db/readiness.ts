import type { Logger } from '../logger.js';
import type { Database } from './database.js';
import { migrationStatus } from './migrator.js';

export type Readiness = { ready: true } | { ready: false; reason: string };

/**
 * Whether this instance can serve: the primary answers, and its schema has every migration this code
 * expects (so an instance started with MIGRATE_ON_START=false against an unmigrated database is never
 * put into service). Once the schema is seen current it is not checked again.
 */
export class ReadinessCheck {
  private schemaCurrent = false;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly timeoutMs = 2_000,
  ) {}

  async check(): Promise<Readiness> {
    if (!(await this.db.primaryReachable(this.timeoutMs))) {
      return { ready: false, reason: 'the primary database is unreachable' };
    }
    if (!this.schemaCurrent) {
      try {
        const { pending } = await migrationStatus(this.db.primary.sequelize, this.logger);
        if (pending.length > 0)
          return { ready: false, reason: `migrations not applied: ${pending.join(', ')}` };
      } catch (error) {
        return { ready: false, reason: `could not read the migration status: ${(error as Error).message}` };
      }
      this.schemaCurrent = true;
    }
    return { ready: true };
  }
}
