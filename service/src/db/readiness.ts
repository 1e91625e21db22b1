import type { Logger } from '../logger.js';
import { describeError as describe } from '../process.js';
import type { Database } from './database.js';
import { migrationStatus } from './migrator.js';

export type Readiness = { ready: true } | { ready: false; reason: string };

/**
 * Whether this instance can serve: the primary answers, and its schema has every migration this code
 * expects (so an instance started with MIGRATE_ON_START=false against an unmigrated database is never
 * put into service). Once the schema is seen current it is not checked again. The answer is public (the
 * load balancer asks), so the underlying error goes to the log, once each time it changes.
 */
export class ReadinessCheck {
  private schemaCurrent = false;
  private lastProblem: string | undefined;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly timeoutMs = 2_000,
  ) {}

  async check(): Promise<Readiness> {
    const result = await this.evaluate();
    const problem = result.ready ? undefined : result.logged;
    if (problem !== this.lastProblem) {
      if (problem === undefined) this.logger.info('ready');
      else this.logger.warn({ reason: problem }, 'not ready');
      this.lastProblem = problem;
    }
    return result.ready ? { ready: true } : { ready: false, reason: result.reason };
  }

  private async evaluate(): Promise<{ ready: true } | { ready: false; reason: string; logged: string }> {
    const primary = await this.db.primaryReachable(this.timeoutMs);
    if (!primary.reachable) {
      const reason = 'the primary database is unreachable';
      return { ready: false, reason, logged: `${reason}: ${describe(primary.error)}` };
    }
    if (!this.schemaCurrent) {
      try {
        const { pending } = await migrationStatus(this.db.primary.sequelize, this.logger);
        if (pending.length > 0) {
          const reason = `migrations not applied: ${pending.join(', ')}`;
          return { ready: false, reason, logged: reason };
        }
      } catch (error) {
        const reason = 'could not read the migration status';
        return { ready: false, reason, logged: `${reason}: ${describe(error)}` };
      }
      this.schemaCurrent = true;
    }
    return { ready: true };
  }
}
