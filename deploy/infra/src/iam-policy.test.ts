import { describe, expect, it } from 'vitest';
import { commandsIn, operationsOfAction } from './aws-operations.js';
import { loadTemplate, resource } from './cfn.js';
import { allowedActions, githubTrust, inlineStatements, isReadOnly } from './iam.js';
import { loadWorkflows } from './workflows.js';

const template = loadTemplate();
const deployPolicy = inlineStatements(template, 'DeployRole');
const planPolicy = inlineStatements(template, 'PlanRole');

/** The jobs that assume the deploy role (deploy.yml, rollback.yml). */
const deployJobs = loadWorkflows()
  .flatMap((w) => Object.values(w.jobs))
  .filter((job) => JSON.stringify(job.steps ?? []).includes('vars.DEPLOY_ROLE_ARN'));

/** The local actions those jobs run. */
const deployActions = [
  ...new Set(
    deployJobs
      .flatMap((job) => job.steps ?? [])
      .flatMap((step) => (step.uses?.startsWith('./actions/') ? [step.uses.slice('./actions/'.length)] : [])),
  ),
].sort();

const planNeeds = operationsOfAction('deploy-plan');

// Whether each call is allowed, with its resources and condition keys, and that nothing is granted
// that no call needs, is evaluated by the policy engine in iam-engine.test.ts.

describe('the operations the pipeline calls', () => {
  it('are read from the release action, which composes the other actions’ logic', () => {
    expect(deployActions).toEqual(['release']);
    const files = operationsOfAction('release').flatMap((op) => op.calledFrom);
    for (const action of [
      'bake-ami',
      'codedeploy-deploy',
      'instance-refresh',
      'roll-launch-template',
      'release',
    ])
      expect(files.some((file) => file.startsWith(`actions/${action}/`))).toBe(true);
    expect(operationsOfAction('release').map((op) => op.action)).toContain('codedeploy:GetDeploymentGroup');
  });

  it('include what each stage of a deploy needs', () => {
    const needs = deployActions.flatMap(operationsOfAction);
    expect(needs.map((op) => op.action)).toEqual(
      expect.arrayContaining([
        'ec2:RunInstances',
        'ec2:CreateImage',
        'ec2:CreateLaunchTemplateVersion',
        'autoscaling:StartInstanceRefresh',
        'codedeploy:CreateDeployment',
        's3:PutObject',
      ]),
    );
  });
});

describe('the deploy role', () => {
  it('scopes what it changes to the stack: the template, the group, the bucket, tagged images and builders', () => {
    const statementsFor = (action: string) => deployPolicy.filter((s) => [s.Action].flat().includes(action));
    const resources = (action: string) => JSON.stringify(statementsFor(action).map((s) => s.Resource));
    expect(resources('ec2:CreateLaunchTemplateVersion')).toContain(`launch-template/\${LaunchTemplate}`);
    expect(resources('autoscaling:StartInstanceRefresh')).toContain(
      `autoScalingGroupName/\${AutoScalingGroup}`,
    );
    // Revisions under their prefix; the release record by its own key, only with If-Match or If-None-Match.
    expect(statementsFor('s3:PutObject').map((s) => [s.Resource, s.Condition])).toEqual([
      [{ 'Fn::Sub': `\${RevisionBucket.Arn}/revisions/*` }, undefined],
      [
        { 'Fn::Sub': `\${RevisionBucket.Arn}/releases/production.json` },
        { Null: { 's3:if-match': 'false' } },
      ],
      [
        { 'Fn::Sub': `\${RevisionBucket.Arn}/releases/production.json` },
        { Null: { 's3:if-none-match': 'false' } },
      ],
    ]);
    expect(resources('codedeploy:CreateDeployment')).toContain(
      `deploymentgroup:\${CodeDeployApplication}/production`,
    );
    const stackTag = { Ref: 'AWS::StackName' };
    expect(statementsFor('ec2:TerminateInstances').map((s) => s.Condition)).toEqual([
      {
        StringEquals: {
          'aws:ResourceTag/dealership:role': 'builder',
          'aws:ResourceTag/dealership:stack': stackTag,
        },
      },
    ]);
    expect(statementsFor('ec2:DeregisterImage').map((s) => s.Condition)).toEqual([
      {
        StringEquals: {
          'aws:ResourceTag/dealership:role': 'image',
          'aws:ResourceTag/dealership:stack': stackTag,
        },
      },
    ]);
    // Tags at creation only — except the canary's one key on the group's own instances (and its removal).
    const canaryTag = {
      StringEquals: {
        'aws:ResourceTag/aws:autoscaling:groupName': { Ref: 'AutoScalingGroup' },
        'aws:RequestTag/dealership:canary': 'true',
      },
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['dealership:canary'] },
      Null: { 'aws:TagKeys': 'false' },
    };
    for (const statement of statementsFor('ec2:CreateTags')) {
      if (statement.Sid === 'TagTheCanary') expect(statement.Condition).toEqual(canaryTag);
      else
        expect(statement.Condition?.StringEquals?.['ec2:CreateAction']).toEqual([
          'RunInstances',
          'CreateImage',
        ]);
    }
    expect(statementsFor('ec2:DeleteTags').map((s) => s.Condition)).toEqual([
      {
        StringEquals: { 'aws:ResourceTag/aws:autoscaling:groupName': { Ref: 'AutoScalingGroup' } },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['dealership:canary'] },
        Null: { 'aws:TagKeys': 'false' },
      },
    ]);
    expect(statementsFor('iam:PassRole').map((s) => s.Condition)).toEqual([
      { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    ]);
  });

  it('keeps its sessions as long as the jobs that assume it may run', () => {
    const maxSession = resource(template, 'DeployRole').Properties?.MaxSessionDuration as number;
    for (const job of deployJobs) {
      const credentials = job.steps?.find((step) =>
        step.uses?.startsWith('aws-actions/configure-aws-credentials@'),
      );
      expect(Number(credentials?.with?.['role-duration-seconds'])).toBe(maxSession);
      expect(Number(job['timeout-minutes']) * 60).toBeLessThanOrEqual(maxSession);
    }
  });

  it('is assumed only by this repository’s jobs in the production and production-canary environments, on main', () => {
    // The repository's OIDC subject is customised to [repo, context, ref] (docs/operations.md);
    // production-canary is the environment with required reviewers that promotes a canary.
    expect(githubTrust(template, 'DeployRole')).toEqual({
      StringEquals: {
        'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        'token.actions.githubusercontent.com:sub': [
          { 'Fn::Sub': `repo:\${GitHubRepository}:environment:production:ref:refs/heads/main` },
          { 'Fn::Sub': `repo:\${GitHubRepository}:environment:production-canary:ref:refs/heads/main` },
        ],
      },
    });
  });
});

describe('the plan role', () => {
  it('allows exactly what deploy-plan calls', () => {
    // s3:ListBucket: GetObject of a missing key answers 404 NoSuchKey only with it, else 403 AccessDenied
    // (S3 API reference, GetObject) — a stack before its first release has no record yet.
    expect(allowedActions(planPolicy)).toEqual([...planNeeds.map((op) => op.action), 's3:ListBucket'].sort());
  });

  it('only reads', () => {
    expect(allowedActions(planPolicy).filter((action) => !isReadOnly(action))).toEqual([]);
  });

  it('is assumed only by this repository’s pull requests', () => {
    expect(githubTrust(template, 'PlanRole')).toEqual({
      StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
      StringLike: {
        'token.actions.githubusercontent.com:sub': {
          'Fn::Sub': `repo:\${GitHubRepository}:pull_request:ref:refs/pull/*/merge`,
        },
      },
    });
  });
});

describe('the checks can fail', () => {
  it('reads commands with the client they come from, and refuses one it cannot place', () => {
    const source = [
      "import {\n  RunInstancesCommand,\n  type EC2Client,\n} from '@aws-sdk/client-ec2';",
      "import { HeadObjectCommand } from '@aws-sdk/client-s3';",
      'await ec2.send(new RunInstancesCommand({}));',
      'await s3.send(new HeadObjectCommand({}));',
    ].join('\n');
    expect(commandsIn(source, 'fixture.ts')).toEqual(['ec2:RunInstances', 's3:GetObject']);
    expect(() => commandsIn('new MysteryCommand({})', 'fixture.ts')).toThrow(
      'fixture.ts: new MysteryCommand( is not imported from an @aws-sdk client',
    );
  });
});
