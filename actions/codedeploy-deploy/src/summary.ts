import { formatDuration, markdownTable, summaryMarkdown } from '../../lib/index.js';
import type { DeployOutcome } from './deploy.js';
import { describeFailure } from './diagnostics.js';
import type { DeployInputs } from './inputs.js';

/** The job summary: what was deployed where, how it ended, each instance, and any failing hook. */
export function deploySummary(inputs: DeployInputs, outcome: DeployOutcome): string {
  const info = outcome.view?.info;
  let markdown = summaryMarkdown('CodeDeploy deployment', {
    Application: inputs.application,
    'Deployment group': inputs.group,
    Deployment: outcome.deploymentId,
    Revision: outcome.revision
      ? `${outcome.revision}${outcome.uploaded === false ? ' (already uploaded)' : ''}`
      : undefined,
    'Deployment config': info?.deploymentConfigName ?? inputs.deploymentConfig,
    Status: outcome.status,
    'Failed instances': outcome.failedInstances?.length ? outcome.failedInstances.join(', ') : undefined,
    Duration:
      outcome.durationSeconds === undefined ? undefined : formatDuration(outcome.durationSeconds * 1000),
    Rollback: info?.rollbackInfo?.rollbackDeploymentId,
    'After timeout or cancel': outcome.stopped,
  });
  const targets = [...(outcome.view?.targets.values() ?? [])];
  if (targets.length > 0) {
    const rows = targets.map((t) => {
      const events = t.lifecycleEvents ?? [];
      const last = events.filter((e) => e.status !== 'Pending' && e.status !== 'Skipped').at(-1);
      return [t.targetId, t.status, last ? `${last.lifecycleEventName} ${last.status}` : undefined];
    });
    markdown += `\n#### Instances\n\n${markdownTable(['Instance', 'Status', 'Last lifecycle event'], rows)}\n`;
  }
  for (const failure of outcome.failures) {
    markdown += `\n#### ${describeFailure(failure)}\n`;
    if (failure.logTail) markdown += `\n\`\`\`\n${failure.logTail.trim()}\n\`\`\`\n`;
  }
  return markdown;
}
