/**
 * What an action tells the user: progress lines while it waits, outputs, and the job summary
 * (markdown) at the end.
 */
import * as core from '@actions/core';
import { formatDuration, type PollTick } from './poll.js';

/** A progress line: `[1m05s] builder i-0abc: pending`. */
export function progress(message: string, elapsedMs?: number): void {
  core.info(elapsedMs === undefined ? message : `[${formatDuration(elapsedMs)}] ${message}`);
}

/** An `onTick` for {@link poll} that prints one progress line per check: `[45s] <what>: <status>`. */
export function progressTicks(what: string): (tick: PollTick) => void {
  return (tick) => progress(`${what}: ${tick.status}`, tick.elapsedMs);
}

/** Sets every output; `undefined` becomes ''. Call it on failure too with what is known. */
export function setOutputs(outputs: Record<string, string | number | boolean | undefined>): void {
  for (const [name, value] of Object.entries(outputs))
    core.setOutput(name, value === undefined ? '' : String(value));
}

/** Escapes text for one markdown table cell; an empty value shows as a dash. */
export function cell(value: string | number | boolean | undefined): string {
  if (value === undefined || value === '') return '—';
  return escapeCell(String(value));
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

type Cell = string | number | boolean | undefined;

/** A markdown table; the header may have empty cells (a field/value table needs no column names). */
export function markdownTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(header.map(escapeCell)),
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => line(row.map(cell))),
  ].join('\n');
}

/** `### title` and a field/value table, the shape every action's summary starts with. */
export function summaryMarkdown(
  title: string,
  fields: Record<string, string | number | boolean | undefined>,
) {
  return `### ${title}\n\n${markdownTable(['', ''], Object.entries(fields))}\n`;
}

/**
 * Appends markdown to the job summary (`GITHUB_STEP_SUMMARY`). Outside a runner (no summary file) it
 * goes to the log instead, so running an action by hand loses nothing.
 */
export async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.info(markdown);
    return;
  }
  await core.summary.addRaw(markdown, true).write();
}
