import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { nagFindings } from './cdk-nag.js';
import { loadTemplate } from './cfn.js';
import { repoRoot, templatePath } from './repo.js';

interface Suppression {
  rule: string;
  resources: string[];
  reason: string;
}

const suppressionsFile = join(repoRoot, 'deploy/infra/cdk-nag-suppressions.yml');
const suppressions = parse(readFileSync(suppressionsFile, 'utf8')) as Suppression[];

/** The template as production runs it: every parameter that has a default, at its default. */
const defaults = Object.fromEntries(
  Object.entries(loadTemplate().Parameters).flatMap(([name, parameter]) =>
    'Default' in parameter ? [[name, String(parameter.Default)]] : [],
  ),
);

const key = (rule: string, resource: string) => `${rule} on ${resource}`;

describe('cdk-nag (AwsSolutions) over the template', () => {
  const findings = nagFindings(templatePath, defaults);

  it('finds nothing beyond the reviewed suppressions, each of which still matches a finding', () => {
    const found = new Set(findings.map((f) => key(f.rule, f.resource)));
    const reviewed = new Set(suppressions.flatMap((s) => s.resources.map((r) => key(s.rule, r))));
    const unreviewed = findings
      .filter((f) => !reviewed.has(key(f.rule, f.resource)))
      .map((f) => `${key(f.rule, f.resource)}: ${f.description}`);
    expect(unreviewed).toEqual([]);
    expect([...reviewed].filter((k) => !found.has(k))).toEqual([]);
  });

  it('judges values, not unresolved parameters: no rule gave up on an intrinsic', () => {
    expect(findings.filter((f) => f.description.startsWith('Rule threw an error'))).toEqual([]);
  });

  it('gives each suppression its own reason, one entry per rule and resource', () => {
    for (const s of suppressions) {
      expect(s.rule).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(s.resources.length).toBeGreaterThan(0);
      expect(s.reason.length, s.rule).toBeGreaterThan(40);
    }
    const keys = suppressions.flatMap((s) => s.resources.map((r) => key(s.rule, r)));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('does report a bucket open to plain HTTP and an unencrypted database (the check can fail)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cdk-nag-')), 'bad.yml');
    writeFileSync(
      file,
      [
        'Resources:',
        '  Bucket:',
        '    Type: AWS::S3::Bucket',
        '  Db:',
        '    Type: AWS::RDS::DBInstance',
        '    Properties: { Engine: mysql, DBInstanceClass: db.t4g.micro, AllocatedStorage: "20",',
        '      StorageEncrypted: false }',
      ].join('\n'),
    );
    const rules = nagFindings(file).map((f) => key(f.rule, f.resource));
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-S10 on Bucket', 'AwsSolutions-RDS2 on Db']));
  });
});
