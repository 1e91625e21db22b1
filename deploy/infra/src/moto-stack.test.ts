import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, loadTemplate, type Template } from './cfn.js';
import { type Moto, startMoto } from './moto.js';
import {
  MOTO_IGNORES,
  MOTO_SKIPPED_TYPES,
  MOTO_WORKAROUNDS,
  motoCompatible,
  subGetAttsAsVariables,
} from './moto-stack.js';
import { runToolAsync } from './tools.js';

const template = loadTemplate();
const STACK = 'dealership';

interface Snapshot {
  status: string;
  outputs: Record<string, string | null>;
  failures: string[];
  resources: Record<string, { type: string; physicalId: string | null }>;
  group: Record<string, Json>;
  listeners: {
    Port: number;
    Protocol: string;
    Certificates?: { CertificateArn: string }[];
    DefaultActions: Json[];
  }[];
  targetGroup: Record<string, Json>;
  databases: { DBInstanceIdentifier: string; ReadReplicaSourceDBInstanceIdentifier?: string }[];
  parameterGroups: Record<string, { ParameterName: string; ParameterValue: string }[]>;
  trust: Record<string, { Condition: Record<string, Record<string, string | string[]>> }[]>;
  instanceRolePolicies: Record<string, { Statement: Record<string, Json>[] }>;
}

let moto: Moto;

/** moto-stack.py against this file's moto server (one python process per step). */
async function motoStep(...args: string[]) {
  const run = await runToolAsync('python3', [join(import.meta.dirname, 'moto-stack.py'), ...args], {
    env: moto.env,
    timeoutMs: 120_000,
  });
  if (run.status !== 0) throw new Error(`moto-stack.py ${args[0]} failed:\n${run.stderr}`);
  return JSON.parse(run.stdout) as Snapshot & Record<string, string>;
}

function templateFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'moto-stack-')), 'template.json');
  writeFileSync(file, JSON.stringify(motoCompatible(template)));
  return file;
}

let network: Record<string, string>;

beforeAll(async () => {
  moto = await startMoto();
  network = await motoStep('network');
});

afterAll(async () => {
  await moto?.stop();
});

describe('the moto copy of the template', () => {
  it('moves every Resource.Attribute placeholder of a Fn::Sub into a variable, and nothing else', () => {
    const resources = new Set(['Database']);
    expect(
      subGetAttsAsVariables(
        `h=\${Database.Endpoint.Address} p=\${AppPort} r=\${AWS::Region} x=\${!Literal}`,
        resources,
      ),
    ).toEqual([
      `h=\${DatabaseEndpointAddress} p=\${AppPort} r=\${AWS::Region} x=\${!Literal}`,
      { DatabaseEndpointAddress: { 'Fn::GetAtt': ['Database', 'Endpoint.Address'] } },
    ]);
    expect(subGetAttsAsVariables(`\${AWS::StackName}-x`, resources)).toBe(`\${AWS::StackName}-x`);
  });

  it('documents each workaround with what checks what moto cannot', () => {
    for (const w of MOTO_WORKAROUNDS) expect(w.checkedBy.length).toBeGreaterThan(20);
    expect(MOTO_IGNORES.length).toBeGreaterThan(0);
  });

  it('keeps the parameters, rules, conditions and the resources with their types and policies', () => {
    const copy = motoCompatible(template);
    expect(copy.Parameters).toEqual(template.Parameters);
    expect(copy.Rules).toEqual(template.Rules);
    expect(copy.Conditions).toEqual(template.Conditions);
    for (const [id, resource] of Object.entries(template.Resources)) {
      const { Properties: _, ...rest } = resource;
      const { Properties: __, ...copied } = copy.Resources[id]!;
      expect(copied, id).toEqual(rest);
    }
  });
});

describe('moto CloudFormation create-stack, then the update out of bootstrap', () => {
  const bootstrap = () => ({
    ...network,
    MinSize: '0',
    HealthCheckType: 'EC2',
    GitHubRepository: 'example/dealership',
  });
  let created: Snapshot;

  beforeAll(async () => {
    created = await motoStep('create', STACK, templateFile(), JSON.stringify(bootstrap()));
  });

  it('creates the stack with no failed resource', () => {
    expect({ status: created.status, failures: created.failures }).toEqual({
      status: 'CREATE_COMPLETE',
      failures: [],
    });
  });

  it('skips exactly the resource types documented as unsupported, and creates every other one', () => {
    const expected = Object.entries(template.Resources)
      .filter(([id, r]) => !(r.Type in MOTO_SKIPPED_TYPES) && !isOff(template, id))
      .map(([id]) => id)
      .sort();
    expect(Object.keys(created.resources).sort()).toEqual(expected);
    const skipped = new Set(
      Object.values(template.Resources)
        .map((r) => r.Type)
        .filter((type) => type in MOTO_SKIPPED_TYPES),
    );
    expect([...skipped].sort()).toEqual(Object.keys(MOTO_SKIPPED_TYPES).sort());
  });

  it('starts the group empty on EC2 health checks, behind the target group', () => {
    expect(created.group).toMatchObject({
      MinSize: 0,
      DesiredCapacity: 0,
      HealthCheckType: 'EC2',
      HealthCheckGracePeriod: 300,
      TargetGroupARNs: [created.resources.TargetGroup!.physicalId],
      Instances: [],
    });
  });

  it('serves HTTPS with the certificate, and port 80 only redirects', () => {
    const byPort = Object.fromEntries(created.listeners.map((l) => [l.Port, l]));
    expect(byPort[443]).toMatchObject({
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: network.CertificateArn }],
    });
    expect(byPort[80]).toMatchObject({
      Protocol: 'HTTP',
      DefaultActions: [expect.objectContaining({ Type: 'redirect' })],
    });
    expect(created.outputs.ServiceUrl).toMatch(/^https:\/\//);
  });

  it('checks /health/ready every 10 s, unhealthy after 2 failures', () => {
    expect(created.targetGroup).toMatchObject({
      HealthCheckPath: '/health/ready',
      HealthCheckIntervalSeconds: 10,
      UnhealthyThresholdCount: 2,
    });
  });

  it('creates a primary and its replica, and a parameter group that requires TLS', () => {
    const replica = created.databases.find(
      (d) => d.DBInstanceIdentifier === created.resources.DatabaseReplica!.physicalId,
    );
    expect(replica?.ReadReplicaSourceDBInstanceIdentifier).toBe(created.resources.Database!.physicalId);
    const groups = Object.values(created.parameterGroups);
    expect(groups).toHaveLength(1);
    expect(groups[0]).toContainEqual(
      expect.objectContaining({ ParameterName: 'require_secure_transport', ParameterValue: '1' }),
    );
  });

  it('lets the instance role connect to the database as the application user only', () => {
    expect(created.instanceRolePolicies['dealership-database-connect']?.Statement).toEqual([
      expect.objectContaining({
        Action: 'rds-db:connect',
        Resource: [
          'arn:aws:rds-db:us-east-1:123456789012:dbuser:db-MOTODATABASE/dealership_app',
          'arn:aws:rds-db:us-east-1:123456789012:dbuser:db-MOTODATABASEREPLICA/dealership_app',
        ],
      }),
    ]);
  });

  it('trusts main’s production (and production-canary) jobs with the deploy role, pull requests with the plan role', () => {
    const sub = (role: string, operator: string) =>
      created.trust[role]![0]!.Condition[operator]!['token.actions.githubusercontent.com:sub'];
    expect(sub('DeployRole', 'StringEquals')).toEqual([
      'repo:example/dealership:environment:production:ref:refs/heads/main',
      'repo:example/dealership:environment:production-canary:ref:refs/heads/main',
    ]);
    expect(sub('PlanRole', 'StringLike')).toBe('repo:example/dealership:pull_request:ref:refs/pull/*/merge');
  });

  it('moves to ELB health checks and the real minimum with a stack update', async () => {
    const previous = Object.fromEntries(Object.keys(bootstrap()).map((key) => [key, null]));
    const updated = await motoStep(
      'update',
      STACK,
      templateFile(),
      JSON.stringify({ ...previous, MinSize: '2', HealthCheckType: 'ELB' }),
    );
    expect({ status: updated.status, failures: updated.failures }).toEqual({
      status: 'UPDATE_COMPLETE',
      failures: [],
    });
    expect(updated.group).toMatchObject({ MinSize: 2, DesiredCapacity: 2, HealthCheckType: 'ELB' });
  });
});

/** A resource whose Condition is false for this test's parameters: it passes no AlarmEmail. */
function isOff(t: Template, id: string): boolean {
  return t.Resources[id]!.Condition === 'HasAlarmEmail';
}
