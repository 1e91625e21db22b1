/** The release's job summaries: the gate's verdict, and a run's release read back from the record. */
import { canaryMarkdown } from './canary.js';
import type { WorkflowRun } from './gate.js';
import type { Release } from './record.js';
import { timelineMarkdown } from './timeline.js';

/** Whether the deploy goes ahead, or which waiting rollbacks hold it back and what to do. */
export function gateSummary(environment: string, waiting: WorkflowRun[]): string {
  if (waiting.length === 0)
    return `### Deploy gate: no rollback of ${environment} is waiting; the deploy goes ahead\n`;
  return (
    `### Deploy gate: not deploying\n\nA rollback of ${environment} is queued or running (${waiting.map((r) => r.html_url ?? r.id).join(', ')}). ` +
    'A push would take its place in the concurrency group and cancel it, so this push is not deployed: push again, or run deploy by hand, once the rollback is done.\n'
  );
}

/** The timeline of the release run `runId` made (and its canary's looks), or a line saying the record holds none. */
export function releaseSummary(release: Release | undefined, environment: string, runId: string): string {
  return release
    ? timelineMarkdown(release, environment) + canaryMarkdown(release)
    : `### No release by run ${runId} in ${environment}'s record\n`;
}
