/**
 * The release's timeline: every stage (and every stage of a rollback) with its start, end and
 * outcome, kept in the release record as it goes — so a run that is cancelled or killed leaves a
 * timeline the summary and the next run can read — and rendered as the job summary.
 */
import { formatDuration, markdownTable, PollAbortedError, PollTimeoutError } from '../../lib/index.js';
import type { Release, Stage, StageOutcome } from './record.js';

/** A stage that had nothing to do says why instead of returning a value. */
export class Skip {
  constructor(readonly reason: string) {}
}

/** How an error ended a stage: the runner's cancel, a timeout (ours or an action's), or a failure. */
export function classify(error: unknown, signal: AbortSignal): StageOutcome {
  if (signal.aborted || error instanceof PollAbortedError) return 'cancelled';
  if (error instanceof PollTimeoutError) return 'timed-out';
  if (error instanceof Error && /^Timed out after /.test(error.message)) return 'timed-out';
  return 'failed';
}

const OUTCOME_MARK: Record<StageOutcome, string> = {
  succeeded: '✅ succeeded',
  failed: '❌ failed',
  'timed-out': '⏱️ timed out',
  cancelled: '🛑 cancelled',
  skipped: '⏭️ skipped',
  'left-running': '⏳ left running in AWS',
};

function clockTime(iso: string | undefined): string | undefined {
  return iso?.slice(11, 19);
}

function took(stage: Stage): string | undefined {
  if (!stage.endedAt) return undefined;
  return formatDuration(Date.parse(stage.endedAt) - Date.parse(stage.startedAt));
}

/** The job summary: what the release put live (or why not), then the timeline. */
export function timelineMarkdown(release: Release, environment: string): string {
  const title =
    release.kind === 'rollback'
      ? `Rollback of ${environment} to ${release.commit.slice(0, 12)}: ${release.outcome}`
      : `Release of ${release.commit.slice(0, 12)} to ${environment}: ${release.outcome}`;
  const facts = [
    ['revision', release.revision],
    ['image', release.imageId],
    ['launch template version', release.launchTemplateVersion],
    ['restored release', release.restored],
    ['rollback after the failure', release.rollback],
    ['reason', release.reason],
    ['by', release.actor],
  ].filter(([, value]) => value !== undefined && value !== '');
  const rows = release.stages.map((s) => [
    s.name,
    clockTime(s.startedAt),
    clockTime(s.endedAt),
    took(s),
    s.outcome ? OUTCOME_MARK[s.outcome] : '… running',
    s.detail,
  ]);
  return [
    `### ${title}`,
    '',
    facts.length > 0 ? `${markdownTable(['', ''], facts as string[][])}\n` : '',
    markdownTable(['stage', 'start (UTC)', 'end', 'took', 'outcome', 'detail'], rows),
    '',
  ].join('\n');
}
