import { LIFECYCLE_ORDER } from '@dealership/revision';
import type { DeploymentReport } from '../codedeploy/rollout.js';
import type { UpgradeCheckReport } from './check.js';
import type { MigrationCheck } from './migration-check.js';
import type { PhaseReport, TimedEvent } from './upgrade-rehearsal.js';

/** Marks the section, so a comment that includes it can find and replace it on the next run. */
export const UPGRADE_MARKER = '<!-- dealership-upgrade-rehearsal -->';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** A git commit as the reader knows it (12 characters); any other label as it is. */
export const short = (commit: string) => (/^[0-9a-f]{40}$/.test(commit) ? commit.slice(0, 12) : commit);
/** Inline code that survives any text: backticks and line breaks out, length bounded. */
const code = (text: string) => `\`${text.replace(/`/g, "'").replace(/\s+/g, ' ').slice(0, 200)}\``;
/** `1 request`, `2 requests`. */
export const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
const cell = (text: string) => text.replace(/\|/g, '\\|');

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

/** What was going on at a moment of a phase: the event under way, and whether the schema had changed. */
function moment(phase: PhaseReport, atMs: number): string {
  const current = phase.events.find(
    (event) => event.startMs <= atMs && atMs < event.startMs + event.durationMs,
  );
  const migrated = migrationEvent(phase);
  const first = phase.events[0];
  const during = current
    ? `${current.instance} ${current.event}`
    : first === undefined || atMs < first.startMs
      ? 'before the deployment'
      : 'after the deployment';
  const schema = !migrated
    ? ''
    : current === migrated
      ? ', migrating'
      : atMs >= migrated.startMs + migrated.durationMs
        ? ', after the migrations'
        : '';
  return `${seconds(atMs)} (${during}${schema})`;
}

/** The AfterInstall that applied the phase's migrations, if one did. */
function migrationEvent(phase: PhaseReport): TimedEvent | undefined {
  const applied = phase.migrationsApplied.find((entry) => entry.migrations.length > 0);
  if (!applied) return undefined;
  return phase.events.find(
    (event) =>
      event.instance === applied.instance &&
      event.deployment === applied.deployment &&
      event.event === 'AfterInstall',
  );
}

function phaseResult(phase: PhaseReport): string {
  const deployment = phase.deployment;
  const rollback = deployment.rollback
    ? `, automatic rollback ${deployment.rollback.status.toLowerCase()}`
    : '';
  const deployed = deployment.status === 'Succeeded' ? 'deployed' : `**deployment failed**${rollback}`;
  return phase.load.failed === 0
    ? `${deployed}, no failed request`
    : `${deployed}, **${phase.load.failed} failed requests**`;
}

function checkResult(check: MigrationCheck | 'skipped'): string {
  if (check === 'skipped') return 'skipped (--skip-migration-check)';
  if (check.error !== undefined) return "**failed**: the pull request's migrations fail on the base's schema";
  if (check.status === 'failed')
    return `**failed**: ${check.findings.length} change(s) the base code cannot run against`;
  const added = check.newMigrations.length;
  return `passed: ${added === 0 ? 'no new migration' : `${added} new migration(s)`}, nothing the base code uses removed`;
}

function migrationsLine(phase: PhaseReport | undefined, check: MigrationCheck | 'skipped'): string {
  const event = phase && migrationEvent(phase);
  if (phase && event) {
    const applied = phase.migrationsApplied.find((entry) => entry.migrations.length > 0)!;
    return `**Migrations applied:** ${applied.migrations.map(code).join(', ')} — by ${applied.instance}'s AfterInstall, ${seconds(event.startMs + event.durationMs)} into the upgrade; the other instances found them applied.`;
  }
  if (phase) return '**Migrations applied:** none (the pull request adds no migration).';
  if (check !== 'skipped' && check.newMigrations.length > 0) {
    return `**New migrations:** ${check.newMigrations.map(code).join(', ')}`;
  }
  return '';
}

/** A failed request as the load saw it, with a problem+json body shortened to its title. */
const request = (reason: string) => reason.replace(/ → (\d{3}) \{.*?"title":"([^"]*)".*$/, ' → $1 $2');

function failuresSection(phase: PhaseReport): string[] {
  if (phase.load.failed === 0 && phase.serviceErrors.length === 0) return [];
  const title = phase.phase === 'upgrade' ? 'Upgrade' : 'Rollback';
  const lines = [`#### ${title}: what failed`, ''];
  if (phase.load.failures.length > 0) {
    lines.push(
      table(
        ['request', 'failed', 'first at'],
        phase.load.failures.map((failure) => [
          code(request(failure.reason)),
          String(failure.count),
          moment(phase, failure.firstAtMs),
        ]),
      ),
      '',
    );
  }
  if (phase.serviceErrors.length > 0) {
    lines.push('Errors the instances logged, with the revision each ran then:', '');
    for (const error of phase.serviceErrors.slice(0, 6)) {
      lines.push(
        `- ${error.instance} on ${code(short(error.commit))}, ×${error.count} from ${moment(phase, error.firstAtMs)}: ${code(error.message)}`,
      );
    }
    if (phase.serviceErrors.length > 6)
      lines.push(`- … and ${phase.serviceErrors.length - 6} more (see the JSON report)`);
    lines.push('');
  }
  return lines;
}

function timings(title: string, report: DeploymentReport): string {
  const instances = report.instances.map((instance) => instance.instance);
  // Events no instance ran a script for (the hooks this appspec leaves out) would be rows of 'skipped'.
  const events = LIFECYCLE_ORDER.filter((event) =>
    report.instances.some((i) => i.events.some((e) => e.event === event && e.status !== 'Skipped')),
  );
  const rows = events.map((event) => [
    event,
    ...report.instances.map((instance) => {
      const result = instance.events.find((candidate) => candidate.event === event);
      if (!result) return '–';
      if (result.status === 'Skipped') return 'skipped';
      return result.status === 'Failed'
        ? `FAILED ${(result.durationMs / 1000).toFixed(2)}`
        : (result.durationMs / 1000).toFixed(2);
    }),
  ]);
  rows.push(['total', ...report.instances.map((instance) => (instance.durationMs / 1000).toFixed(2))]);
  const parts = [
    `${title} ${code(report.id)}: ${report.status}, ${seconds(report.durationMs)}`,
    '',
    table(['event (s)', ...instances], rows),
    '',
  ];
  if (report.rollback) parts.push(timings(`${title}, automatic rollback`, report.rollback));
  return parts.join('\n');
}

/**
 * The check as a markdown section for the pull request's sticky plan comment: the verdict, a table of
 * the steps with requests, failures and times, the migrations and schema changes, what failed and why
 * (with the expand/contract sequence for each migration finding), and per-event timings folded away.
 */
export function renderUpgradeMarkdown(report: UpgradeCheckReport): string {
  const rehearsal = report.rehearsal;
  const check = report.migrationCheck;
  const out: string[] = [
    UPGRADE_MARKER,
    `### Upgrade rehearsal: ${report.passed ? 'passed' : '**failed**'}`,
    '',
  ];
  const setting = rehearsal
    ? `, ${rehearsal.instances} instances behind HAProxy on one ${rehearsal.database === 'mysql' ? 'MariaDB/MySQL' : 'SQLite'} database, ${rehearsal.rate} requests/s, one instance at a time`
    : '';
  out.push(`Base ${code(short(report.base))} → this pull request ${code(short(report.head))}${setting}.`, '');

  const rows: string[][] = [
    ['Migration check', checkResult(check), '', '', check === 'skipped' ? '' : seconds(check.durationMs)],
  ];
  if (rehearsal) {
    const install = rehearsal.install;
    rows.push([
      'Install the base, seed data',
      install.status === 'Succeeded' ? 'installed' : '**failed**',
      '',
      '',
      seconds(install.durationMs),
    ]);
    for (const phase of [rehearsal.upgrade, rehearsal.rollback]) {
      if (!phase) continue;
      rows.push([
        phase.phase === 'upgrade' ? 'Upgrade to this pull request' : 'Rollback to the base (migrations kept)',
        phaseResult(phase),
        String(phase.load.sent),
        String(phase.load.failed),
        seconds(phase.deployment.durationMs),
      ]);
    }
  }
  out.push(table(['step', 'result', 'requests', 'failed', 'time'], rows), '');
  if (!rehearsal && report.error === undefined) {
    out.push(
      'The rehearsal did not run: the migration check failed first (`--rehearse-anyway` runs it regardless).',
      '',
    );
  }

  const migrations = migrationsLine(rehearsal?.upgrade, check);
  if (migrations) out.push(migrations, '');
  if (check !== 'skipped' && check.changes.length > 0)
    out.push(`**Schema changes:** ${check.changes.join('; ')}.`, '');

  if (report.problems.length > 0) {
    out.push('#### Why it failed', '', ...report.problems.map((problem) => `- ${problem}`), '');
  }
  if (
    check !== 'skipped' &&
    (check.findings.length > 0 || check.error !== undefined || check.warnings.length > 0)
  ) {
    out.push('#### Migration check', '');
    if (check.error !== undefined) out.push('```', check.error, '```', '');
    for (const finding of check.findings) {
      const what = finding.column === undefined ? finding.table : `${finding.table}.${finding.column}`;
      out.push(`- ${code(what)} (${finding.kind}; used by ${finding.usedBy}): ${finding.explanation}`);
    }
    for (const warning of check.warnings) out.push(`- note: ${warning}`);
    out.push('');
  }
  if (rehearsal?.upgrade) out.push(...failuresSection(rehearsal.upgrade));
  if (rehearsal?.rollback) out.push(...failuresSection(rehearsal.rollback));
  if (!rehearsal?.rollback && rehearsal?.upgrade?.deployment.rollback) {
    out.push(
      "The upgrade failed, so CodeDeploy's automatic rollback (above) stands for the rollback rehearsal.",
      '',
    );
  }

  if (rehearsal) {
    const tables = [
      timings('Base install', rehearsal.install),
      ...(rehearsal.upgrade ? [timings('Upgrade', rehearsal.upgrade.deployment)] : []),
      ...(rehearsal.rollback ? [timings('Rollback', rehearsal.rollback.deployment)] : []),
    ];
    out.push('<details><summary>Per-event timings</summary>', '', ...tables, '</details>', '');
  }
  return out.join('\n');
}
