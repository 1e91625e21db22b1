import { describe, expect, it } from 'vitest';
import {
  cliCallsIn,
  commandsIn,
  DEPENDENT_ACTIONS,
  operationsOfAction,
  withDependentActions,
} from './aws-operations.js';
import { loadTemplate, resource } from './cfn.js';
import {
  allowedActions,
  githubTrust,
  inlineStatements,
  isReadOnly,
  type Statement,
  tooBroad,
} from './iam.js';
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

const deployNeeds = withDependentActions(deployActions.flatMap(operationsOfAction));
const planNeeds = operationsOfAction('deploy-plan');

/**
 * Deploy-policy actions no code calls, each with the reason it is there anyway. Keep it short:
 * anything here is a permission the tests cannot tie to a call.
 */
const ALLOWED_WITHOUT_A_CALL: Record<string, string> = {};

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
    expect(deployNeeds.map((op) => op.action)).toEqual(
      expect.arrayContaining([
        'ec2:RunInstances',
        'iam:PassRole',
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
  it('allows every operation the actions and scripts call, and every one AWS checks with them', () => {
    const allowed = new Set(allowedActions(deployPolicy));
    const missing = deployNeeds
      .filter((op) => !allowed.has(op.action))
      .map((op) => `${op.action} (${op.calledFrom.join(', ')})`);
    expect(missing).toEqual([]);
  });

  it('allows nothing the pipeline does not call, beyond a documented few', () => {
    const needed = new Set(deployNeeds.map((op) => op.action));
    const unused = allowedActions(deployPolicy).filter(
      (action) => !needed.has(action) && !(action in ALLOWED_WITHOUT_A_CALL),
    );
    expect(unused).toEqual([]);
    for (const [action, why] of Object.entries(ALLOWED_WITHOUT_A_CALL)) {
      expect(allowedActions(deployPolicy)).toContain(action);
      expect(why.length).toBeGreaterThan(20);
    }
  });

  it('grants no wildcard action and no change on Resource "*"', () => {
    expect(tooBroad(deployPolicy)).toEqual([]);
  });

  it('scopes what it changes to the stack: the template, the group, the bucket, tagged images and builders', () => {
    const statementsFor = (action: string) => deployPolicy.filter((s) => [s.Action].flat().includes(action));
    const resources = (action: string) => JSON.stringify(statementsFor(action).map((s) => s.Resource));
    expect(resources('ec2:CreateLaunchTemplateVersion')).toContain(`launch-template/\${LaunchTemplate}`);
    expect(resources('autoscaling:StartInstanceRefresh')).toContain(
      `autoScalingGroupName/\${AutoScalingGroup}`,
    );
    expect(resources('s3:PutObject')).toContain(`\${RevisionBucket.Arn}/*`);
    expect(resources('codedeploy:CreateDeployment')).toContain(
      `deploymentgroup:\${CodeDeployApplication}/production`,
    );
    expect(statementsFor('ec2:TerminateInstances').map((s) => s.Condition)).toEqual([
      { StringEquals: { 'aws:ResourceTag/dealership:role': 'builder' } },
    ]);
    expect(statementsFor('ec2:DeregisterImage').map((s) => s.Condition)).toEqual([
      { Null: { 'aws:ResourceTag/dealership:recipe-hash': 'false' } },
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

  it('is assumed only by this repository’s jobs in the production environment', () => {
    expect(githubTrust(template, 'DeployRole')).toEqual({
      'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
      'token.actions.githubusercontent.com:sub': {
        'Fn::Sub': `repo:\${GitHubRepository}:environment:production`,
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
    expect(tooBroad(planPolicy)).toEqual([]);
  });

  it('is assumed only by this repository’s pull requests', () => {
    expect(githubTrust(template, 'PlanRole')).toEqual({
      'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
      'token.actions.githubusercontent.com:sub': { 'Fn::Sub': `repo:\${GitHubRepository}:pull_request` },
    });
  });
});

describe('the other roles', () => {
  it('grant no wildcard action and no change on Resource "*"', () => {
    for (const role of ['InstanceRole', 'BuilderRole', 'CodeDeployServiceRole']) {
      expect(tooBroad(inlineStatements(template, role))).toEqual([]);
    }
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

  it('reads aws CLI calls, skipping comments', () => {
    const script =
      '# aws ec2 terminate-instances\nout=$(aws deploy get-deployment-group \\\n  --x y)\naws ec2 modify-launch-template';
    expect(cliCallsIn(script, 'fixture.sh')).toEqual([
      'codedeploy:GetDeploymentGroup',
      'ec2:ModifyLaunchTemplate',
    ]);
    expect(() => cliCallsIn('aws lambda invoke', 'fixture.sh')).toThrow('aws lambda has no IAM prefix');
  });

  it('adds the permissions AWS checks alongside an operation', () => {
    const withDependents = withDependentActions([{ action: 'ec2:RunInstances', calledFrom: ['x.ts'] }]);
    expect(withDependents.map((op) => op.action)).toEqual([
      'ec2:CreateTags',
      'ec2:RunInstances',
      'iam:PassRole',
    ]);
    expect(Object.values(DEPENDENT_ACTIONS).every(({ why }) => why.length > 20)).toBe(true);
  });

  it('flags wildcards and changes everywhere', () => {
    const broad: Statement[] = [
      { Sid: 'A', Effect: 'Allow', Action: 'ec2:*', Resource: 'arn:aws:ec2:::instance/*' },
      { Sid: 'B', Effect: 'Allow', Action: ['ec2:DescribeImages', 'ec2:TerminateInstances'], Resource: '*' },
    ];
    expect(tooBroad(broad)).toEqual([
      'A: wildcard action ec2:*',
      'B: ec2:TerminateInstances on Resource "*"',
    ]);
  });
});
