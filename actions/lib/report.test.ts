import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { markdownTable, setOutputs, summaryMarkdown, writeSummary } from './report.js';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('report helpers', () => {
  it('build a markdown table, escaping pipes and newlines and showing empty cells as a dash', () => {
    expect(
      markdownTable(
        ['name', 'value'],
        [
          ['a|b', 'line 1\nline 2'],
          ['empty', undefined],
        ],
      ),
    ).toBe('| name | value |\n|---|---|\n| a\\|b | line 1<br>line 2 |\n| empty | — |');
  });

  it('write outputs to GITHUB_OUTPUT and the summary to GITHUB_STEP_SUMMARY', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-'));
    process.env.GITHUB_OUTPUT = join(dir, 'output');
    process.env.GITHUB_STEP_SUMMARY = join(dir, 'summary');
    writeFileSync(process.env.GITHUB_OUTPUT, '');
    writeFileSync(process.env.GITHUB_STEP_SUMMARY, '');
    setOutputs({ 'image-id': 'ami-1', 'cache-hit': false, missing: undefined });
    await writeSummary(summaryMarkdown('Bake', { 'image id': 'ami-1' }));
    const outputs = readFileSync(process.env.GITHUB_OUTPUT, 'utf8');
    expect(outputs).toMatch(/image-id<<ghadelimiter_[\w-]+\nami-1\n/);
    expect(outputs).toMatch(/cache-hit<<ghadelimiter_[\w-]+\nfalse\n/);
    expect(outputs).toMatch(/missing<<ghadelimiter_[\w-]+\n\n/);
    expect(readFileSync(process.env.GITHUB_STEP_SUMMARY, 'utf8')).toBe(
      '### Bake\n\n|  |  |\n|---|---|\n| image id | ami-1 |\n\n',
    );
  });
});
