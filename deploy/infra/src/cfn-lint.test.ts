import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTemplate } from './cfn.js';
import { templatePath } from './repo.js';
import { runTool } from './tools.js';

/** cfn-lint's findings as "Rule file:line message" lines; level is error, warning or informational. */
function cfnLint(path: string, ...extra: string[]) {
  const run = runTool('cfn-lint', ['--format', 'parseable', ...extra, '--', path]);
  const findings = run.stdout.split('\n').filter(Boolean);
  if (run.status !== 0 && findings.length === 0)
    throw new Error(`cfn-lint failed without findings: ${run.stderr}`);
  return findings;
}

describe('cfn-lint', () => {
  it('finds no error, no warning and no informational finding in the template', () => {
    expect(cfnLint(templatePath, '--include-checks', 'I')).toEqual([]);
  });

  it('is told to skip one check on one resource, each with its reason beside it in the template', () => {
    const skipped = Object.fromEntries(
      Object.entries(loadTemplate().Resources).flatMap(([id, r]) => {
        const checks = (r.Metadata?.['cfn-lint'] as { config?: { ignore_checks?: string[] } } | undefined)
          ?.config?.ignore_checks;
        return checks ? [[id, checks]] : [];
      }),
    );
    // E3691 knows full engine versions only; RDS takes "8.4" (the major version) and picks the minor.
    expect(skipped).toEqual({ Database: ['E3691'] });
  });

  it('does report a broken template (the check can fail)', () => {
    const broken = join(mkdtempSync(join(tmpdir(), 'cfn-lint-')), 'broken.yml');
    writeFileSync(
      broken,
      [
        'Resources:',
        '  Group:',
        '    Type: AWS::AutoScaling::AutoScalingGroup',
        '    Properties:',
        '      MinSize: "1"',
        '      MaxSize: "2"',
        '      LaunchTemplate: { LaunchTemplateId: !Ref Missing, Version: "$Latest" }',
      ].join('\n'),
    );
    expect(cfnLint(broken).some((line) => line.includes('Missing'))).toBe(true);
  });
});
