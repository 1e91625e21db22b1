import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Json, loadTemplate, resource } from './cfn.js';
import { repoRoot } from './repo.js';
import { runTool } from './tools.js';
import { loadWorkflows } from './workflows.js';

const template = loadTemplate();
const props = (logicalId: string) => resource(template, logicalId).Properties ?? {};
const ref = (logicalId: string) => ({ Ref: logicalId });

/** The instances' user data with every ${...} of Fn::Sub replaced by a sample value. */
function renderedUserData(): string {
  const data = props('LaunchTemplate').LaunchTemplateData as {
    UserData: { 'Fn::Base64': { 'Fn::Sub': string } };
  };
  return data.UserData['Fn::Base64']['Fn::Sub'].replace(
    /\$\{(!?)([^}]+)\}/g,
    (_, literal: string, name: string) =>
      literal ? `\${${name}}` : name.endsWith('Port') ? '3306' : `sample-${name.replace(/[:.]/g, '-')}`,
  );
}

describe('the Auto Scaling group', () => {
  const group = props('AutoScalingGroup');

  it('runs a specific launch template version, never $Latest or $Default', () => {
    expect(group.LaunchTemplate).toEqual({
      LaunchTemplateId: ref('LaunchTemplate'),
      Version: { 'Fn::GetAtt': ['LaunchTemplate', 'LatestVersionNumber'] },
    });
    expect(JSON.stringify(template.Resources)).not.toMatch(/\$(Latest|Default)\b/);
  });

  it('replaces instances the load balancer finds unhealthy, and tracks 50 % CPU', () => {
    expect(group.HealthCheckType).toBe('ELB');
    expect(group.TargetGroupARNs).toEqual([ref('TargetGroup')]);
    expect(props('CpuTargetTracking')).toMatchObject({
      AutoScalingGroupName: ref('AutoScalingGroup'),
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' },
        TargetValue: 50,
      },
    });
  });
});

describe('the load balancer', () => {
  const targets = props('TargetGroup');
  const attribute = (key: string) =>
    (targets.TargetGroupAttributes as { Key: string; Value: string }[]).find((a) => a.Key === key)?.Value;

  it('checks /health/ready, the readiness endpoint that turns 503 while an instance drains', () => {
    expect(targets.HealthCheckPath).toBe('/health/ready');
    expect(targets.Matcher).toEqual({ HttpCode: '200' });
  });

  it('keeps a deregistered target a little longer than the service drains', () => {
    const drainMs = Number(/SHUTDOWN_DRAIN_MS=(\d+)/.exec(renderedUserData())?.[1]);
    const delay = Number(attribute('deregistration_delay.timeout_seconds'));
    expect(delay * 1000).toBeGreaterThan(drainMs);
    expect(delay * 1000).toBeLessThanOrEqual(drainMs + 10_000);
  });

  it('keeps connections idle no longer than the service keeps them alive (60 s)', () => {
    const attributes = props('LoadBalancer').LoadBalancerAttributes as { Key: string; Value: string }[];
    expect(attributes).toContainEqual({ Key: 'idle_timeout.timeout_seconds', Value: '60' });
  });
});

describe('CodeDeploy', () => {
  it('deploys in place, one instance at a time, blocking its traffic at the ALB, rolling back on failure', () => {
    expect(props('DeploymentGroup')).toMatchObject({
      AutoScalingGroups: [ref('AutoScalingGroup')],
      DeploymentConfigName: 'CodeDeployDefault.OneAtATime',
      DeploymentStyle: { DeploymentType: 'IN_PLACE', DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
      LoadBalancerInfo: {
        TargetGroupInfoList: [{ Name: { 'Fn::GetAtt': ['TargetGroup', 'TargetGroupName'] } }],
      },
      AutoRollbackConfiguration: { Enabled: true, Events: expect.arrayContaining(['DEPLOYMENT_FAILURE']) },
    });
  });

  it('keeps revisions in an encrypted, private, TLS-only bucket that expires old ones', () => {
    const bucket = props('RevisionBucket');
    expect(bucket.BucketEncryption).toMatchObject({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect((bucket.LifecycleConfiguration as { Rules: { Status: string }[] }).Rules[0]?.Status).toBe(
      'Enabled',
    );
    const policy = props('RevisionBucketPolicy').PolicyDocument as { Statement: Record<string, Json>[] };
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });
});

describe('the database', () => {
  it('is an encrypted MySQL primary whose password RDS keeps in Secrets Manager, with a read replica', () => {
    expect(props('Database')).toMatchObject({
      Engine: 'mysql',
      StorageEncrypted: true,
      ManageMasterUserPassword: true,
      PubliclyAccessible: false,
    });
    expect(props('Database')).not.toHaveProperty('MasterUserPassword');
    expect(props('DatabaseReplica')).toMatchObject({
      SourceDBInstanceIdentifier: ref('Database'),
      PubliclyAccessible: false,
    });
  });

  it('is reachable only from the instances, and the instances only from the load balancer', () => {
    const ingress = (sg: string) =>
      (props(sg).SecurityGroupIngress as Record<string, Json>[] | undefined) ?? [];
    expect(ingress('DatabaseSecurityGroup')).toEqual([
      expect.objectContaining({ FromPort: 3306, SourceSecurityGroupId: ref('InstanceSecurityGroup') }),
    ]);
    expect(ingress('InstanceSecurityGroup')).toEqual([]);
    const standalone = Object.values(template.Resources).filter(
      (r) => r.Type === 'AWS::EC2::SecurityGroupIngress',
    );
    expect(standalone.map((r) => r.Properties)).toEqual([
      expect.objectContaining({
        GroupId: ref('InstanceSecurityGroup'),
        SourceSecurityGroupId: ref('LoadBalancerSecurityGroup'),
      }),
    ]);
  });
});

describe('the instances', () => {
  it('require IMDSv2 and encrypt their volumes', () => {
    const data = props('LaunchTemplate').LaunchTemplateData as Record<string, Json>;
    expect(data.MetadataOptions).toMatchObject({ HttpTokens: 'required' });
    expect(JSON.stringify(data.BlockDeviceMappings)).toContain('"Encrypted":true');
  });

  it.each([
    ['user data', () => renderedUserData()],
    [
      'environment script it installs',
      () => /<<'SCRIPT'\n([\s\S]*?)\nSCRIPT\n/.exec(renderedUserData())?.[1] ?? '',
    ],
  ])('get %s that bash parses and shellcheck passes', (_, text) => {
    const script = join(mkdtempSync(join(tmpdir(), 'user-data-')), 'script.sh');
    writeFileSync(script, text());
    expect(text()).toMatch(/^#!\/bin\/bash\nset -euo pipefail|^#!\/bin\/bash\n#/);
    expect(runTool('bash', ['-n', script]).stderr).toBe('');
    expect(runTool('shellcheck', ['--severity=style', '--shell=bash', script]).stdout).toBe('');
  });

  it('write DATABASE_URL with the secret password encoded, whatever characters RDS chose', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dealership-env-'));
    const password = `p:a/s%s#w?o'r"d!(x)*~@`;
    writeFileSync(
      join(dir, 'aws'),
      `#!/bin/sh\ncat <<'JSON'\n${JSON.stringify({ username: 'dealership', password })}\nJSON\n`,
      {
        mode: 0o755,
      },
    );
    const script = join(dir, 'dealership-env');
    const text = /<<'SCRIPT'\n([\s\S]*?)\nSCRIPT\n/.exec(renderedUserData())?.[1] ?? '';
    writeFileSync(script, text.replaceAll('/etc/dealership/', `${dir}/`), { mode: 0o755 });
    const run = runTool('bash', [script], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
    expect(run.stderr).toBe('');
    const env = Object.fromEntries(
      readFileSync(join(dir, 'dealership.env'), 'utf8')
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    const url = new URL(env.DATABASE_URL!);
    expect(decodeURIComponent(url.password)).toBe(password);
    expect(decodeURIComponent(url.username)).toBe('dealership');
    expect(url.host).toBe('sample-Database-Endpoint-Address:3306');
    expect(new URL(env.DATABASE_REPLICA_URLS!).hostname).toBe('sample-DatabaseReplica-Endpoint-Address');
    expect(env.DATABASE_URL).not.toMatch(/['"!()*\s]/);
    const again = runTool('bash', [script], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
    expect(again.stdout).toBe('dealership.env unchanged\n');
  });

  it('write the environment file the deploy hooks and the systemd unit read', () => {
    const userData = renderedUserData();
    expect(userData).toContain('/etc/dealership/dealership.env');
    for (const key of ['DATABASE_URL', 'DATABASE_REPLICA_URLS', 'PORT', 'SHUTDOWN_DRAIN_MS'])
      expect(userData).toContain(`${key}=`);
  });
});

describe('the outputs', () => {
  const used = new Set(
    loadWorkflows().flatMap((w) => [...w.text.matchAll(/\bvars\.([A-Z0-9_]+)/g)].map((m) => m[1]!)),
  );

  it('name every variable the workflows read', () => {
    const documented = new Set(
      Object.values(template.Outputs).flatMap((o) =>
        [...(o.Description ?? '').matchAll(/variable ([A-Z0-9_]+)/g)].map((m) => m[1]!),
      ),
    );
    expect([...used].filter((name) => !documented.has(name))).toEqual([]);
    expect(template.Outputs.ServiceUrl).toBeDefined();
  });

  it('are what the operations guide’s bootstrap sets each of those variables from', () => {
    const section = readFileSync(join(repoRoot, 'docs/operations.md'), 'utf8');
    const loop = [...section.matchAll(/\b([A-Z][A-Z0-9_]+):([A-Z][A-Za-z]+)\b/g)].map(
      (m) => [m[1]!, m[2]!] as const,
    );
    const environment = [
      ...section.matchAll(/gh variable set ([A-Z0-9_]+) [^\n]*--env production --body "\$\(out (\w+)\)"/g),
    ].map((m) => [m[1]!, m[2]!] as const);
    const set = [...loop, ...environment];
    expect(set.map(([name]) => name).sort()).toEqual([...used].sort());
    for (const [, output] of set) expect(Object.keys(template.Outputs)).toContain(output);
  });
});
