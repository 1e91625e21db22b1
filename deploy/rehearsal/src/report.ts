import { basename } from 'node:path';
import { LIFECYCLE_ORDER, type LifecycleEvent } from '@dealership/revision';
import type { DeploymentReport } from './codedeploy/rollout.js';
import type { LoadReport } from './load/load.js';

const seconds = (ms: number) => (ms / 1000).toFixed(2);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Per instance and per lifecycle event: the duration in seconds, or what happened instead. */
export function formatDeployment(report: DeploymentReport, title = 'deployment'): string {
  const events = LIFECYCLE_ORDER.filter((event) =>
    report.instances.some((instance) => instance.events.some((result) => result.event === event)),
  );
  const cell = (instance: DeploymentReport['instances'][number], event: LifecycleEvent) => {
    const result = instance.events.find((candidate) => candidate.event === event);
    if (!result) return '-';
    if (result.status === 'Skipped') return 'skipped';
    return result.status === 'Failed' ? `FAILED ${seconds(result.durationMs)}` : seconds(result.durationMs);
  };
  const rows = [
    ['event (s)', ...report.instances.map((instance) => instance.instance)],
    ...events.map((event) => [event, ...report.instances.map((instance) => cell(instance, event))]),
    ['instance total', ...report.instances.map((instance) => seconds(instance.durationMs))],
  ];
  const failures = report.instances
    .flatMap((instance) =>
      instance.events
        .filter((event) => event.error)
        .map((event) => `  ${instance.instance} ${event.event}: ${event.error}`),
    )
    .join('\n');
  const lines = [
    `${title} ${report.id} of ${basename(report.bundle)}: ${report.status} in ${seconds(report.durationMs)} s`,
    table(rows),
    ...(failures ? ['failure:', failures] : []),
  ];
  if (report.rollback) lines.push('', formatDeployment(report.rollback, 'automatic rollback'));
  return lines.join('\n');
}

export function formatLoad(report: LoadReport): string {
  const rate = report.sent / (report.durationMs / 1000);
  const lines = [
    `load: ${report.sent} requests in ${seconds(report.durationMs)} s (${rate.toFixed(1)}/s), ${report.failed} failed`,
    `  kinds: ${Object.entries(report.byKind)
      .map(([kind, count]) => `${kind} ${count}`)
      .join(', ')}`,
    `  latency ms: p50 ${report.latencyMs.p50}, p99 ${report.latencyMs.p99}, max ${report.latencyMs.max}`,
    `  /version commits seen: ${
      Object.entries(report.commits)
        .map(([commit, count]) => `${commit} ×${count}`)
        .join(', ') || 'none'
    }`,
    ...report.failures.map((failure) => `  failed ×${failure.count}: ${failure.reason}`),
  ];
  return lines.join('\n');
}
