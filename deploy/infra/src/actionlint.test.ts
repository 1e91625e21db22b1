import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionlint, runScripts } from './actionlint.js';
import { runTool } from './tools.js';
import { allSteps, loadWorkflows } from './workflows.js';

const workflows = loadWorkflows();

function shellcheck(scripts: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'workflow-run-'));
  const files = scripts.map((script, index) => {
    const file = join(dir, `run-${index}.sh`);
    writeFileSync(file, script);
    return file;
  });
  return runTool('shellcheck', ['--severity=style', '--format=gcc', ...files]).stdout;
}

describe('actionlint', () => {
  it.each(workflows.map((w) => [w.file, w]))('finds nothing in %s', async (file, w) => {
    expect(await actionlint(w.text, `.github/workflows/${file}`)).toEqual([]);
  });

  it('reports an untrusted expression in a script and an unknown input (the check can fail)', async () => {
    const text = [
      'on: pull_request',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-24.04',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '        with: { no-such-input: x }',
      `      - run: echo "\${{ github.event.pull_request.title }}"`,
    ].join('\n');
    const findings = await actionlint(text, 'fixture.yml');
    expect(findings.some((f) => f.includes('potentially untrusted'))).toBe(true);
    expect(findings.some((f) => f.includes('"no-such-input" is not defined'))).toBe(true);
  });
});

describe('shellcheck over the run: scripts', () => {
  const steps = allSteps(workflows).map(({ step }) => step);

  it('finds nothing in any workflow script', () => {
    expect(runScripts(steps).length).toBeGreaterThan(10);
    expect(shellcheck(runScripts(steps))).toBe('');
  });

  it('reports an unquoted variable (the check can fail)', () => {
    expect(shellcheck(runScripts([{ run: 'rm -rf $TARGET/build' }]))).toContain('SC2086');
  });
});
