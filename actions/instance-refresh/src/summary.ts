import { formatDuration, markdownTable, refText, summaryMarkdown } from '../../lib/index.js';
import type { RefreshInputs } from './inputs.js';
import type { RefreshOutcome } from './refresh-instances.js';

/** The job summary: what was refreshed, how it ended, and the timeline of status changes. */
export function refreshSummary(inputs: RefreshInputs, outcome: RefreshOutcome): string {
  const lt = inputs.launchTemplate;
  const prefs = inputs.preferences;
  const fields = summaryMarkdown('Instance refresh', {
    'Auto Scaling group': inputs.group,
    'Launch template': `${refText(lt)} version ${lt.Version}`,
    'Refresh id': outcome.refreshId
      ? `${outcome.refreshId}${outcome.attached ? ' (attached)' : ''}`
      : undefined,
    Status: outcome.status,
    Duration:
      outcome.durationSeconds === undefined ? undefined : formatDuration(outcome.durationSeconds * 1000),
    'Healthy percentage': `${prefs.MinHealthyPercentage}–${prefs.MaxHealthyPercentage}%`,
    Checkpoints: prefs.CheckpointPercentages?.map((p) => `${p}%`).join(', '),
    'Auto rollback': prefs.AutoRollback ? 'on' : 'off',
    Alarms: prefs.AlarmSpecification?.Alarms?.join(', '),
    'After timeout or cancel': outcome.stopped,
  });
  if (outcome.timeline.length === 0) return fields;
  const origin = outcome.timeline[0]!.at.getTime();
  const rows = outcome.timeline.map((e) => [
    e.at.toISOString().replace('T', ' ').slice(0, 19),
    `+${formatDuration(e.at.getTime() - origin)}`,
    e.status,
    e.percentage === undefined ? undefined : `${e.percentage}%`,
    e.instancesToUpdate,
    e.reason,
  ]);
  return `${fields}\n#### Timeline\n\n${markdownTable(['Time (UTC)', 'Elapsed', 'Status', 'Done', 'To update', 'Reason'], rows)}\n`;
}
