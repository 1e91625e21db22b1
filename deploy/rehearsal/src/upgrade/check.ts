import { createScratchDatabase } from './database.js';
import { checkMigrations, type MigrationCheck } from './migration-check.js';
import { count, short } from './report.js';
import type { Revision } from './revision.js';
import { type PhaseReport, rehearseUpgrade, type UpgradeRehearsalReport } from './upgrade-rehearsal.js';

export interface UpgradeCheckOptions {
  base: Revision;
  head: Revision;
  /** The run's scratch folder (SQLite scratch databases). */
  dir: string;
  /** A MySQL/MariaDB server on which the check and the instances get databases of their own. */
  mysqlServer?: URL;
  /** Rehearse without the migration check (the check's own verdict is then not part of the result). */
  skipMigrationCheck?: boolean;
  /** Rehearse even after the migration check failed, to show what the failure does under load. */
  rehearseAfterFailedCheck?: boolean;
  instances: number;
  rate: number;
  holdMs: number;
  keep?: boolean;
  stopOnInterrupt?: boolean;
  log?: (line: string) => void;
}

export interface UpgradeCheckReport {
  base: string;
  head: string;
  passed: boolean;
  /** Why it failed, one sentence each; empty when it passed. */
  problems: string[];
  migrationCheck: MigrationCheck | 'skipped';
  /** Absent when the migration check failed and the rehearsal was not asked for anyway. */
  rehearsal?: UpgradeRehearsalReport;
  /** What stopped the check before it could finish (a revision that cannot be read, a seed refused…). */
  error?: string;
  durationMs: number;
}

function deploymentProblem(phase: string, report: PhaseReport['deployment']): string | undefined {
  if (report.status === 'Succeeded') return undefined;
  const failed = report.instances.find((instance) => instance.status === 'Failed');
  const event = failed?.events.find((candidate) => candidate.status === 'Failed');
  const rollback = report.rollback
    ? `; CodeDeploy's automatic rollback ${report.rollback.status.toLowerCase()}`
    : '';
  return `the ${phase} deployment failed on ${failed?.instance ?? '?'} at ${event?.event ?? '?'}: ${event?.error?.split('\n')[0] ?? 'no error recorded'}${rollback}`;
}

function newMigrations(phase: PhaseReport | undefined): string[] {
  return [...new Set(phase?.migrationsApplied.flatMap((entry) => entry.migrations) ?? [])];
}

/** The sentences that make the check fail. */
export function problemsOf(report: Omit<UpgradeCheckReport, 'passed' | 'problems' | 'durationMs'>): string[] {
  const problems: string[] = report.error === undefined ? [] : [`the check stopped: ${report.error}`];
  const check = report.migrationCheck;
  if (check !== 'skipped' && check.status === 'failed') {
    problems.push(
      check.error !== undefined
        ? "the pull request's migrations fail on the base revision's schema"
        : `the migration check found ${count(check.findings.length, 'change')} the base revision's code cannot run against`,
    );
  }
  const rehearsal = report.rehearsal;
  if (rehearsal === undefined) return problems;
  const installFailed = deploymentProblem('base install', rehearsal.install);
  if (installFailed)
    problems.push(`${installFailed} (the base revision must install before the upgrade can be rehearsed)`);
  const { upgrade, rollback } = rehearsal;
  if (upgrade) {
    const failed = deploymentProblem('upgrade', upgrade.deployment);
    if (failed) problems.push(failed);
    if (upgrade.load.failed > 0) {
      problems.push(
        `${count(upgrade.load.failed, 'request')} of ${upgrade.load.sent} failed during the upgrade, while instances ran old and new code against the new schema`,
      );
    }
  }
  if (rollback) {
    const failed = deploymentProblem('rollback', rollback.deployment);
    if (failed) problems.push(failed);
    if (rollback.load.failed > 0) {
      const migrations = newMigrations(upgrade);
      problems.push(
        `${count(rollback.load.failed, 'request')} of ${rollback.load.sent} failed during the rollback: the base revision fails against the schema ${
          migrations.length > 0 ? `its migrations left (${migrations.join(', ')})` : 'the upgrade left'
        } — a rollback of this pull request would serve errors`,
      );
    }
  }
  return problems;
}

/**
 * The pull request check: the migration check, then (unless it failed) the upgrade and rollback
 * rehearsal. Passes when the check finds nothing, every deployment succeeds and no request fails.
 */
export async function runUpgradeCheck(options: UpgradeCheckOptions): Promise<UpgradeCheckReport> {
  const started = Date.now();
  const { base, head, log } = options;
  let migrationCheck: UpgradeCheckReport['migrationCheck'] = 'skipped';
  let rehearsal: UpgradeRehearsalReport | undefined;
  let error: string | undefined;
  try {
    if (!options.skipMigrationCheck) {
      log?.(
        `migration check: ${short(base.commit)}'s migrations, then ${short(head.commit)}'s, on a scratch ${options.mysqlServer ? 'MySQL' : 'SQLite'} database`,
      );
      migrationCheck = await checkMigrations({
        base,
        head,
        dir: options.dir,
        mysqlServer: options.mysqlServer,
      });
      log?.(
        `migration check ${migrationCheck.status}: ${migrationCheck.changes.join('; ') || 'no schema change'}`,
      );
    }
    if (
      migrationCheck === 'skipped' ||
      migrationCheck.status === 'passed' ||
      options.rehearseAfterFailedCheck
    ) {
      const database = options.mysqlServer
        ? await createScratchDatabase({
            purpose: 'rehearsal',
            dir: options.dir,
            mysqlServer: options.mysqlServer,
          })
        : undefined;
      try {
        rehearsal = await rehearseUpgrade({
          base,
          head,
          instances: options.instances,
          rate: options.rate,
          holdMs: options.holdMs,
          databaseUrl: database?.url,
          keep: options.keep,
          stopOnInterrupt: options.stopOnInterrupt,
          log,
        });
      } finally {
        await database?.drop();
      }
    }
  } catch (thrown) {
    error = thrown instanceof Error ? thrown.message : String(thrown);
  }
  const report = {
    base: base.commit,
    head: head.commit,
    migrationCheck,
    ...(rehearsal ? { rehearsal } : {}),
    ...(error === undefined ? {} : { error }),
  };
  const problems = problemsOf(report);
  return { ...report, passed: problems.length === 0, problems, durationMs: Date.now() - started };
}
