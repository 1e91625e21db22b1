import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compactTemplate, type Json, loadTemplate, parseTemplate, resource, type Template } from './cfn.js';
import { repoRoot, templatePath } from './repo.js';
import { runTool } from './tools.js';
import { loadWorkflows } from './workflows.js';

const template = loadTemplate();
const props = (logicalId: string) => resource(template, logicalId).Properties ?? {};
const ref = (logicalId: string) => ({ Ref: logicalId });
const getAtt = (logicalId: string, attribute: string) => ({ 'Fn::GetAtt': [logicalId, attribute] });

/** The instances' user data with every ${...} of Fn::Sub replaced by a sample value. */
function renderedUserData(t: Template = template): string {
  const data = t.Resources.LaunchTemplate!.Properties!.LaunchTemplateData as {
    UserData: { 'Fn::Base64': { 'Fn::Sub': string } };
  };
  return data.UserData['Fn::Base64']['Fn::Sub'].replace(
    /\$\{(!?)([^}]+)\}/g,
    (_, literal: string, name: string) =>
      literal ? `\${${name}}` : name.endsWith('Port') ? '3306' : `sample-${name.replace(/[:.]/g, '-')}`,
  );
}

/** The text of a quoted heredoc (`<<'TAG'`) of the user data. */
function heredoc(tag: string, t: Template = template): string {
  const body = new RegExp(`<<'${tag}'\\n([\\s\\S]*?)\\n${tag}\\n`).exec(renderedUserData(t))?.[1];
  if (body === undefined) throw new Error(`the user data has no <<'${tag}' heredoc`);
  return body;
}

/** KEY=value lines as an object (the format systemd's EnvironmentFile reads). */
function envFile(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

const serviceEnv = envFile(heredoc('ENV'));

describe('the template', () => {
  it('fits a create-stack or deploy without an S3 bucket (TemplateBody: at most 51,200 bytes) as npm run template writes it', () => {
    // CloudFormation quotas, "Template body size in a request": 51,200 bytes. The commented YAML is
    // larger; `npm run template` writes the same document as compact JSON, which the docs deploy.
    const text = readFileSync(templatePath, 'utf8');
    const compact = compactTemplate(text);
    expect(Buffer.byteLength(compact)).toBeLessThanOrEqual(51_200);
    expect(JSON.parse(compact)).toEqual(parseTemplate(text));
  });
});

describe('the Auto Scaling group', () => {
  const group = props('AutoScalingGroup');

  it('runs a specific launch template version, never $Latest or $Default', () => {
    expect(group.LaunchTemplate).toEqual({
      LaunchTemplateId: ref('LaunchTemplate'),
      Version: getAtt('LaunchTemplate', 'LatestVersionNumber'),
    });
    expect(JSON.stringify(template.Resources)).not.toMatch(/\$(Latest|Default)\b/);
  });

  it('replaces instances the load balancer finds unhealthy (EC2 checks only while bootstrapping)', () => {
    expect(group.HealthCheckType).toEqual(ref('HealthCheckType'));
    expect(template.Parameters.HealthCheckType).toMatchObject({
      Default: 'ELB',
      AllowedValues: ['ELB', 'EC2'],
    });
    expect(group.TargetGroupARNs).toEqual([ref('TargetGroup')]);
  });

  it('can start empty, and never has its desired capacity reset by a stack update', () => {
    expect(template.Parameters.MinSize).toMatchObject({ MinValue: 0 });
    expect(group.MinSize).toEqual(ref('MinSize'));
    expect(group).not.toHaveProperty('DesiredCapacity');
  });

  it('replaces instances by launching first: never below 100 %, at most 200 %', () => {
    expect(group.InstanceMaintenancePolicy).toEqual({ MinHealthyPercentage: 100, MaxHealthyPercentage: 200 });
  });

  it('tracks 50 % CPU and reports every launch and termination to the alarm topic', () => {
    expect(props('CpuTargetTracking')).toMatchObject({
      AutoScalingGroupName: ref('AutoScalingGroup'),
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' },
        TargetValue: 50,
      },
    });
    expect(group.NotificationConfigurations).toEqual([
      expect.objectContaining({ TopicARN: ref('AlarmTopic') }),
    ]);
  });
});

/**
 * What ties the drain to the target group: the ALB notices a draining instance (503 on
 * /health/ready) after interval x unhealthy threshold, so SHUTDOWN_DRAIN_MS is that plus a margin;
 * a deregistered target keeps its in-flight requests a little longer than the service drains; and
 * systemd waits for the drain and the in-flight requests (the service cuts those after its
 * closeGracefully limit) before it kills. Returns what is out of line.
 */
function drainFindings(t: Template, unit: string, closeLimitMs: number): string[] {
  const MARGIN_MS = 5000;
  const targets = t.Resources.TargetGroup!.Properties!;
  const detectionMs =
    (targets.HealthCheckIntervalSeconds as number) * (targets.UnhealthyThresholdCount as number) * 1000;
  const drainMs = Number(envFile(heredoc('ENV', t)).SHUTDOWN_DRAIN_MS);
  const delayMs =
    1000 *
    Number(
      (targets.TargetGroupAttributes as { Key: string; Value: string }[]).find(
        (a) => a.Key === 'deregistration_delay.timeout_seconds',
      )?.Value,
    );
  const stopMs = 1000 * Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]);
  const findings: string[] = [];
  if (drainMs !== detectionMs + MARGIN_MS)
    findings.push(
      `SHUTDOWN_DRAIN_MS=${drainMs}, expected interval x threshold + 5 s = ${detectionMs + MARGIN_MS}`,
    );
  if (delayMs !== drainMs + MARGIN_MS)
    findings.push(`deregistration delay ${delayMs} ms, expected the drain + 5 s = ${drainMs + MARGIN_MS}`);
  if (!(stopMs >= drainMs + closeLimitMs))
    findings.push(
      `TimeoutStopSec ${stopMs} ms is below the drain + the in-flight limit (${drainMs + closeLimitMs})`,
    );
  return findings;
}

describe('the drain', () => {
  const unit = readFileSync(join(repoRoot, 'deploy/systemd/dealership.service'), 'utf8');
  const closeLimit = /hardLimitMs = ([\d_]+)/.exec(
    readFileSync(join(repoRoot, 'service/src/server.ts'), 'utf8'),
  );
  if (!closeLimit) throw new Error('service/src/server.ts: closeGracefully has no hardLimitMs default');
  const closeLimitMs = Number(closeLimit[1]!.replaceAll('_', ''));

  it('follows the target group: health check, deregistration delay and the unit’s stop timeout agree', () => {
    expect(drainFindings(template, unit, closeLimitMs)).toEqual([]);
    expect(serviceEnv.SHUTDOWN_DRAIN_MS).toBe('25000');
  });

  it('fails when the health check changes and the drain does not', () => {
    const changed = structuredClone(template);
    changed.Resources.TargetGroup!.Properties!.HealthCheckIntervalSeconds = 15;
    expect(drainFindings(changed, unit, closeLimitMs)).toEqual([
      'SHUTDOWN_DRAIN_MS=25000, expected interval x threshold + 5 s = 35000',
    ]);
  });

  it('gives ApplicationStop the time systemd may take to stop the service', () => {
    const appspec = parse(readFileSync(join(repoRoot, 'appspec.yml'), 'utf8')) as {
      hooks: Record<string, { timeout: number }[]>;
    };
    const stopSeconds = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]);
    expect(appspec.hooks.ApplicationStop![0]!.timeout).toBeGreaterThan(stopSeconds);
  });
});

describe('the load balancer', () => {
  it('checks /health/ready, the readiness endpoint that turns 503 while an instance drains', () => {
    expect(props('TargetGroup')).toMatchObject({
      HealthCheckPath: '/health/ready',
      Matcher: { HttpCode: '200' },
    });
  });

  it('keeps connections idle no longer than the service keeps them alive (60 s)', () => {
    const attributes = props('LoadBalancer').LoadBalancerAttributes as { Key: string; Value: string }[];
    expect(attributes).toContainEqual({ Key: 'idle_timeout.timeout_seconds', Value: '60' });
  });

  it('serves HTTPS (TLS 1.2+) with a certificate, and port 80 then only redirects', () => {
    expect(resource(template, 'HttpsListener').Condition).toBe('HasCertificate');
    expect(props('HttpsListener')).toMatchObject({
      Protocol: 'HTTPS',
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    });
    expect(props('HttpListener').DefaultActions).toEqual({
      'Fn::If': [
        'HasCertificate',
        [expect.objectContaining({ Type: 'redirect' })],
        [expect.objectContaining({ Type: 'forward' })],
      ],
    });
  });
});

/**
 * CloudFormation's Rules as create-stack evaluates them (template reference, "Rules": an assertion
 * is checked when its rule's RuleCondition holds; Fn::Equals, Fn::Not and Ref are the functions
 * this template uses). Returns the AssertDescription of each assertion that fails.
 */
function failedAssertions(t: Template, given: Record<string, string>): string[] {
  const parameters: Record<string, Json> = {
    ...Object.fromEntries(Object.entries(t.Parameters).map(([name, p]) => [name, p.Default ?? null])),
    ...given,
  };
  const value = (node: Json): Json => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return node;
    if ('Ref' in node) return parameters[node.Ref as string] ?? null;
    if ('Fn::Equals' in node) {
      const [a, b] = node['Fn::Equals'] as [Json, Json];
      return value(a) === value(b);
    }
    if ('Fn::Not' in node) return !value((node['Fn::Not'] as Json[])[0]!);
    throw new Error(`rule function not handled here: ${JSON.stringify(node)}`);
  };
  return Object.values(t.Rules ?? {}).flatMap((rule) =>
    rule.RuleCondition === undefined || value(rule.RuleCondition)
      ? rule.Assertions.filter((a) => !value(a.Assert)).map((a) => a.AssertDescription ?? '(no description)')
      : [],
  );
}

describe('HTTPS by default', () => {
  const certificate = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab';

  it('refuses a stack with neither a certificate nor plain HTTP asked for by name', () => {
    expect(failedAssertions(template, {})).toEqual([
      expect.stringMatching(/^CertificateArn is empty\..*AllowPlainHttp=true/),
    ]);
  });

  it('takes a certificate, or AllowPlainHttp=true, but not both', () => {
    expect(failedAssertions(template, { CertificateArn: certificate })).toEqual([]);
    expect(failedAssertions(template, { AllowPlainHttp: 'true' })).toEqual([]);
    expect(failedAssertions(template, { CertificateArn: certificate, AllowPlainHttp: 'true' })).toEqual([
      expect.stringMatching(/^AllowPlainHttp=true contradicts CertificateArn/),
    ]);
  });
});

describe('the alarms', () => {
  const alarms = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm');
  const alarm = (id: string) => props(id);
  const serviceAlarms = [
    'TargetErrorsAlarm',
    'LoadBalancerErrorsAlarm',
    'ResponseTimeAlarm',
    'UnhealthyHostsAlarm',
  ];

  it('watch the service’s and the ALB’s 5xx, the response time, unhealthy hosts, storage and replica lag', () => {
    const metric = (id: string) => {
      const a = alarm(id) as {
        MetricName?: string;
        Metrics?: { MetricStat?: { Metric: { MetricName: string } } }[];
      };
      return a.MetricName ?? a.Metrics?.find((m) => m.MetricStat)?.MetricStat?.Metric.MetricName;
    };
    expect(Object.fromEntries(alarms.map(([id]) => [id, metric(id)]))).toEqual({
      TargetErrorsAlarm: 'HTTPCode_Target_5XX_Count',
      LoadBalancerErrorsAlarm: 'HTTPCode_ELB_5XX_Count',
      ResponseTimeAlarm: 'TargetResponseTime',
      UnhealthyHostsAlarm: 'UnHealthyHostCount',
      DatabaseStorageAlarm: 'FreeStorageSpace',
      DatabaseReplicaStorageAlarm: 'FreeStorageSpace',
      DatabaseReplicaLagAlarm: 'ReplicaLag',
    });
  });

  it('name the load balancer and target group, or the database instance, they watch', () => {
    const lb = { Name: 'LoadBalancer', Value: getAtt('LoadBalancer', 'LoadBalancerFullName') };
    const tg = { Name: 'TargetGroup', Value: getAtt('TargetGroup', 'TargetGroupFullName') };
    expect(alarm('TargetErrorsAlarm').Dimensions).toEqual([lb, tg]);
    expect(alarm('LoadBalancerErrorsAlarm').Dimensions).toEqual([lb]);
    expect(alarm('ResponseTimeAlarm').Dimensions).toEqual([lb, tg]);
    expect(alarm('UnhealthyHostsAlarm').Dimensions).toEqual([lb, tg]);
    expect(alarm('DatabaseStorageAlarm').Dimensions).toEqual([
      { Name: 'DBInstanceIdentifier', Value: ref('Database') },
    ]);
    expect(alarm('DatabaseReplicaStorageAlarm').Dimensions).toEqual([
      { Name: 'DBInstanceIdentifier', Value: ref('DatabaseReplica') },
    ]);
    expect(JSON.stringify(alarm('DatabaseReplicaLagAlarm').Metrics)).toContain('"Ref":"DatabaseReplica"');
  });

  it('count a stopped replication (ReplicaLag -1) as lag', () => {
    const metrics = alarm('DatabaseReplicaLagAlarm').Metrics as {
      Id: string;
      Expression?: string;
      ReturnData: boolean;
    }[];
    expect(metrics.find((m) => m.ReturnData)?.Expression).toBe('IF(lag < 0, 3600, lag)');
  });

  it('all notify the alarm topic when they fire and when they clear; quiet metrics are not alarms', () => {
    for (const [id, a] of alarms) {
      expect(a.Properties, id).toMatchObject({
        AlarmActions: [ref('AlarmTopic')],
        OKActions: [ref('AlarmTopic')],
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('let CloudWatch publish to the topic for this account only, over TLS only', () => {
    const statements = (props('AlarmTopicPolicy').PolicyDocument as { Statement: Record<string, Json>[] })
      .Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: expect.objectContaining({ StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } }),
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('stop deployments on the service alarms, which the deploy also hands to the instance refresh', () => {
    const group = props('DeploymentGroup');
    expect(group.AlarmConfiguration).toEqual({
      Enabled: { 'Fn::If': ['ServesTraffic', true, false] },
      IgnorePollAlarmFailure: false,
      Alarms: serviceAlarms.map((id) => ({ Name: ref(id) })),
    });
    expect(template.Conditions?.ServesTraffic).toEqual({ 'Fn::Equals': [ref('HealthCheckType'), 'ELB'] });
    expect(template.Outputs.DeploymentAlarmNames?.Value).toEqual({
      'Fn::Join': [',', serviceAlarms.map(ref)],
    });
    expect(template.Outputs.DeploymentAlarmNames?.Description).toMatch(/variable DEPLOYMENT_ALARM_NAMES\b/);
  });
});

describe('CodeDeploy', () => {
  it('deploys in place, one instance at a time, blocking its traffic at the ALB, rolling back on failure and alarm', () => {
    expect(props('DeploymentGroup')).toMatchObject({
      AutoScalingGroups: [ref('AutoScalingGroup')],
      DeploymentConfigName: 'CodeDeployDefault.OneAtATime',
      DeploymentStyle: { DeploymentType: 'IN_PLACE', DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
      LoadBalancerInfo: { TargetGroupInfoList: [{ Name: getAtt('TargetGroup', 'TargetGroupName') }] },
      AutoRollbackConfiguration: {
        Enabled: true,
        Events: expect.arrayContaining(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']),
      },
    });
  });

  it('lets CodeDeploy assume its role for this account’s deployment groups of this application only', () => {
    const trust = props('CodeDeployServiceRole').AssumeRolePolicyDocument as {
      Statement: Record<string, Json>[];
    };
    expect(trust.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'codedeploy.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') },
          ArnLike: {
            'aws:SourceArn': {
              'Fn::Sub': `arn:\${AWS::Partition}:codedeploy:\${AWS::Region}:\${AWS::AccountId}:deploymentgroup:\${CodeDeployApplication}/*`,
            },
          },
        },
      }),
    ]);
  });
});

describe('the revision bucket', () => {
  const bucket = props('RevisionBucket');
  const rules = (bucket.LifecycleConfiguration as { Rules: Record<string, Json>[] }).Rules;

  it('is encrypted, private, versioned and TLS-only', () => {
    expect(bucket.BucketEncryption).toMatchObject({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    const policy = props('RevisionBucketPolicy').PolicyDocument as { Statement: Record<string, Json>[] };
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('never expires a revision by age: only one the release has tagged dealership:revision=pruned', () => {
    const expiring = rules.filter((r) => 'ExpirationInDays' in r || 'ExpirationDate' in r);
    expect(expiring).toEqual([
      expect.objectContaining({
        Status: 'Enabled',
        TagFilters: [{ Key: 'dealership:revision', Value: 'pruned' }],
      }),
    ]);
    for (const r of rules) expect(r).not.toHaveProperty('Transitions');
  });

  it('keeps the bytes of a pruned revision 30 days as a noncurrent version', () => {
    expect(rules).toContainEqual(
      expect.objectContaining({
        NoncurrentVersionExpiration: { NoncurrentDays: 30 },
        ExpiredObjectDeleteMarker: true,
      }),
    );
  });
});

describe('the database', () => {
  const primary = props('Database');
  const replica = props('DatabaseReplica');

  it('is an encrypted MySQL primary whose password RDS keeps in Secrets Manager, with a read replica', () => {
    expect(primary).toMatchObject({
      Engine: 'mysql',
      StorageEncrypted: true,
      ManageMasterUserPassword: true,
      PubliclyAccessible: false,
      DeletionProtection: true,
    });
    expect(primary).not.toHaveProperty('MasterUserPassword');
    expect(replica).toMatchObject({ SourceDBInstanceIdentifier: ref('Database'), PubliclyAccessible: false });
  });

  it('runs a major.minor engine version, whose parameter group family it matches', () => {
    expect(primary.EngineVersion).toMatch(/^\d+\.\d+$/);
    expect(props('DatabaseParameterGroup').Family).toBe(`mysql${primary.EngineVersion}`);
  });

  it('requires TLS on the primary and the replica', () => {
    expect(props('DatabaseParameterGroup').Parameters).toMatchObject({ require_secure_transport: '1' });
    expect(primary.DBParameterGroupName).toEqual(ref('DatabaseParameterGroup'));
    expect(replica.DBParameterGroupName).toEqual(ref('DatabaseParameterGroup'));
  });

  it('takes IAM logins, grows its storage, and exports its error and slow-query logs, on both', () => {
    for (const instance of [primary, replica]) {
      expect(instance).toMatchObject({
        EnableIAMDatabaseAuthentication: true,
        MaxAllocatedStorage: ref('DbMaxAllocatedStorage'),
        EnableCloudwatchLogsExports: ['error', 'slowquery'],
      });
    }
    expect(props('DatabaseParameterGroup').Parameters).toMatchObject({
      slow_query_log: '1',
      log_output: 'FILE',
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
    ['migrate.env script it installs', () => heredoc('SCRIPT')],
  ])('get %s that bash parses and shellcheck passes', (_, text) => {
    const script = join(mkdtempSync(join(tmpdir(), 'user-data-')), 'script.sh');
    writeFileSync(script, text());
    expect(text()).toMatch(/^#!\/bin\/bash\n/);
    expect(runTool('bash', ['-n', script]).stderr).toBe('');
    expect(runTool('shellcheck', ['--severity=style', '--shell=bash', script]).stdout).toBe('');
  });

  it('give the service no password: it logs in as dealership_app with IAM tokens, over verified TLS', () => {
    expect(serviceEnv).toEqual({
      PORT: '3306',
      AWS_REGION: 'sample-AWS--Region',
      DATABASE_URL: 'mysql://dealership_app@sample-Database-Endpoint-Address:3306/dealership',
      DATABASE_REPLICA_URLS: 'mysql://dealership_app@sample-DatabaseReplica-Endpoint-Address:3306/dealership',
      DATABASE_IAM_AUTH: 'true',
      DATABASE_CA_FILE: '/usr/local/share/dealership/rds-global-bundle.pem',
      SHUTDOWN_DRAIN_MS: '25000',
      LOG_LEVEL: 'info',
    });
    expect(new URL(serviceEnv.DATABASE_URL!).password).toBe('');
  });

  it('point DATABASE_CA_FILE at the bundle the image installs', () => {
    const provision = readFileSync(join(repoRoot, 'deploy/image/provision.sh'), 'utf8');
    expect(/^RDS_CA_BUNDLE="([^"]+)"/m.exec(provision)?.[1]).toBe(serviceEnv.DATABASE_CA_FILE);
  });

  it('may connect as the user the URLs name, on the primary and the replica, and as nobody else', () => {
    const policy = props('InstanceDatabaseConnectPolicy');
    expect(policy.Roles).toEqual([ref('InstanceRole')]);
    const user = new URL(serviceEnv.DATABASE_URL!).username;
    const arn = (instance: string) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:rds-db:\${AWS::Region}:\${AWS::AccountId}:dbuser:\${${instance}.DbiResourceId}/${user}`,
    });
    expect((policy.PolicyDocument as { Statement: Json[] }).Statement).toEqual([
      {
        Sid: 'ConnectAsTheAppUser',
        Effect: 'Allow',
        Action: 'rds-db:connect',
        Resource: [arn('Database'), arn('DatabaseReplica')],
      },
    ]);
    expect(new URL(serviceEnv.DATABASE_REPLICA_URLS!).username).toBe(user);
  });

  it('write the master user’s URL, encoded whatever RDS chose, to a root-only migrate.env', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dealership-env-'));
    const password = `p:a/s%s#w?o'r"d!(x)*~@`;
    writeFileSync(
      join(dir, 'aws'),
      `#!/bin/sh\ncat <<'JSON'\n${JSON.stringify({ username: 'dealership', password })}\nJSON\n`,
      { mode: 0o755 },
    );
    const script = join(dir, 'dealership-migrate-env');
    writeFileSync(script, heredoc('SCRIPT').replaceAll('/etc/dealership/', `${dir}/`), { mode: 0o755 });
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH}` };
    const run = runTool('bash', [script], { env });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('migrate.env written\n');
    const file = join(dir, 'migrate.env');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const migrate = envFile(readFileSync(file, 'utf8'));
    expect(Object.keys(migrate)).toEqual(['DATABASE_MIGRATION_URL']);
    const url = new URL(migrate.DATABASE_MIGRATION_URL!);
    expect(decodeURIComponent(url.password)).toBe(password);
    expect(decodeURIComponent(url.username)).toBe('dealership');
    expect(url.host).toBe('sample-Database-Endpoint-Address:3306');
    expect(migrate.DATABASE_MIGRATION_URL).not.toMatch(/['"!()*\s]/);
    expect(runTool('bash', [script], { env }).stdout).toBe('migrate.env unchanged\n');
  });

  it('refresh migrate.env every 5 minutes, and start the CodeDeploy agent even when the secret is unreachable', () => {
    const userData = renderedUserData();
    expect(heredoc('UNIT')).toContain('ExecStart=/usr/local/sbin/dealership-migrate-env');
    expect(userData).toMatch(/OnUnitActiveSec=5min/);
    expect(userData).toMatch(/^\/usr\/local\/sbin\/dealership-migrate-env \|\| /m);
    expect(userData.trimEnd().split('\n').at(-1)).toBe(
      'systemctl enable --now dealership-migrate-env.timer codedeploy-agent',
    );
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
