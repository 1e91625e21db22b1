/**
 * What AWS authorizes for each API operation the pipeline calls: the IAM action on each resource ARN
 * of the request, with the condition keys AWS puts in the context (Service Authorization Reference:
 * the action's resource types and their condition keys), plus the other actions AWS checks alongside
 * (tag-on-create, PassRole, the launch template check of StartInstanceRefresh), and S3's rule for a
 * missing key, which lives outside IAM's grammar.
 *
 * Keyed by API operation, as aws-operations.ts reads them from the code: a new call without an entry
 * here fails the IAM engine test, naming it. Values come from the template (resolved with the
 * engine's examples) and from the deploy workflow's inputs, as the code would send them.
 */
import type { Template } from './cfn.js';
import { resource } from './cfn.js';
import {
  ACCOUNT,
  type AuthorizationRequest,
  getAtt,
  PARTITION,
  REGION,
  ref,
  resolve,
  STACK,
} from './iam-engine.js';
import { loadWorkflows, type Step } from './workflows.js';

export interface Example {
  bucket: string;
  revisionKey: string;
  application: string;
  group: string;
  launchTemplateId: string;
  autoScalingGroup: string;
  vpcId: string;
  builderSecurityGroup: string;
  instanceSecurityGroup: string;
  builderInstanceType: string;
  serviceInstanceType: string;
  /** Tags bake-ami sends for the builder, image and snapshots (code's own plus the workflow's `tags`). */
  bakeTags: Record<string, string>;
  /** Tags the launch template puts on the service instances and volumes. */
  serviceTags: Record<string, string>;
}

/** The value a workflow expression `${{ vars.NAME }}` has: the stack output whose description names it. */
function variable(template: Template, name: string): string {
  const output = Object.values(template.Outputs).find((o) =>
    new RegExp(`variable ${name}\\b`).test(o.Description ?? ''),
  );
  if (!output) throw new Error(`vars.${name}: no stack output names that variable`);
  return String(resolve(template, output.Value));
}

function expand(template: Template, text: string): string {
  return text.replace(/\$\{\{\s*vars\.(\w+)\s*\}\}/g, (_, name: string) => variable(template, name));
}

/** The deploy workflow's step that runs `./actions/<action>`. */
function deployStep(action: string): Step {
  const step = loadWorkflows()
    .filter((w) => w.file === 'deploy.yml')
    .flatMap((w) => Object.values(w.jobs))
    .flatMap((job) => job.steps ?? [])
    .find((s) => s.uses === `./actions/${action}`);
  if (!step) throw new Error(`deploy.yml runs no ./actions/${action}`);
  return step;
}

/** The tags bake-ami puts on the builder, image and snapshots (actions/bake-ami/src/bake.ts). */
function bakeTags(template: Template): Record<string, string> {
  const extra = Object.fromEntries(
    expand(template, String(deployStep('bake-ami').with?.tags ?? ''))
      .split(/[\n,]/)
      .map((pair) => pair.trim())
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
  return {
    ...extra,
    Name: 'dealership-20260115T090000Z-0123456789ab',
    'dealership:recipe-hash': '0123456789ab'.padEnd(64, 'c'),
    'dealership:commit': 'c0ffee'.padEnd(40, '0'),
    'dealership:base-image': 'ami-0123456789abcdef0',
  };
}

export function example(template: Template): Example {
  const lt = resource(template, 'LaunchTemplate').Properties as {
    LaunchTemplateData: {
      InstanceType: unknown;
      TagSpecifications: { ResourceType: string; Tags: { Key: string; Value: unknown }[] }[];
    };
  };
  const instanceSpec = lt.LaunchTemplateData.TagSpecifications.find((t) => t.ResourceType === 'instance');
  return {
    bucket: ref(template, 'RevisionBucket'),
    revisionKey: `${String(deployStep('codedeploy-deploy').with?.['s3-prefix'] ?? 'dealership')}/${'ab'.repeat(32)}.zip`,
    application: ref(template, 'CodeDeployApplication'),
    group: ref(template, 'DeploymentGroup'),
    launchTemplateId: ref(template, 'LaunchTemplate'),
    autoScalingGroup: ref(template, 'AutoScalingGroup'),
    vpcId: ref(template, 'VpcId'),
    builderSecurityGroup: ref(template, 'BuilderSecurityGroup'),
    instanceSecurityGroup: ref(template, 'InstanceSecurityGroup'),
    builderInstanceType: expand(
      template,
      String(deployStep('bake-ami').with?.['instance-type'] ?? 't3.small'),
    ),
    serviceInstanceType: String(resolve(template, lt.LaunchTemplateData.InstanceType as never)),
    bakeTags: bakeTags(template),
    serviceTags: Object.fromEntries(
      (instanceSpec?.Tags ?? []).map((t) => [t.Key, String(resolve(template, t.Value as never))]),
    ),
  };
}

const ec2 = (type: string, id: string, owned = true) =>
  `arn:${PARTITION}:ec2:${REGION}:${owned ? ACCOUNT : ''}:${type}/${id}`;
const codedeploy = (what: string) => `arn:${PARTITION}:codedeploy:${REGION}:${ACCOUNT}:${what}`;

/** `aws:RequestTag/<key>` for each tag, and `aws:TagKeys`. */
function requestTags(tags: Record<string, string>): Record<string, string | string[]> {
  return {
    ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
    'aws:TagKeys': Object.keys(tags),
  };
}

/** `aws:ResourceTag/<key>` for each tag a resource carries. */
function resourceTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
}

const BUILDER = 'i-0b1b2c3d4e5f60718';
const IMAGE = 'ami-0d1b2c3d4e5f60718';
const SNAPSHOT = 'snap-0d1b2c3d4e5f60718';

/** The instance and volumes of a RunInstances, tagged at launch (CreateTags with ec2:CreateAction). */
function launch(
  x: Example,
  opts: {
    instanceType: string;
    tags: Record<string, string>;
    securityGroup: string;
    launchTemplate?: string;
  },
): AuthorizationRequest[] {
  const lt: Record<string, string> = opts.launchTemplate ? { 'ec2:LaunchTemplate': opts.launchTemplate } : {};
  const vpc = { 'ec2:Vpc': ec2('vpc', x.vpcId) };
  const instance = ec2('instance', 'i-0e1b2c3d4e5f60718');
  const volume = ec2('volume', 'vol-0e1b2c3d4e5f60718');
  return [
    {
      action: 'ec2:RunInstances',
      resource: instance,
      context: { 'ec2:InstanceType': opts.instanceType, ...requestTags(opts.tags), ...lt },
    },
    { action: 'ec2:RunInstances', resource: volume, context: { ...requestTags(opts.tags), ...lt } },
    {
      action: 'ec2:RunInstances',
      resource: ec2('network-interface', 'eni-0e1b2c3d4e5f60718'),
      context: { ...vpc, ...lt },
    },
    {
      action: 'ec2:RunInstances',
      resource: ec2('subnet', 'subnet-0e1b2c3d4e5f60718'),
      context: { ...vpc, ...lt },
    },
    {
      action: 'ec2:RunInstances',
      resource: ec2('security-group', opts.securityGroup),
      context: { ...vpc, ...lt },
    },
    {
      action: 'ec2:RunInstances',
      resource: ec2('image', 'ami-0123456789abcdef0', false),
      context: { ...lt },
    },
    ...(opts.launchTemplate
      ? [{ action: 'ec2:RunInstances', resource: opts.launchTemplate, context: { ...lt } }]
      : []),
    ...[instance, volume].map((arn) => ({
      action: 'ec2:CreateTags',
      resource: arn,
      context: { 'ec2:CreateAction': 'RunInstances', ...requestTags(opts.tags) },
    })),
  ];
}

const everywhere =
  (action: string): ((x: Example) => AuthorizationRequest[]) =>
  () => [{ action, resource: '*' }];

/** API operation → what AWS authorizes for it. */
export const AUTHORIZATION: Record<string, (x: Example, template: Template) => AuthorizationRequest[]> = {
  // ---- no resource-level permissions (Service Authorization Reference: no resource type)
  'autoscaling:DescribeAutoScalingGroups': everywhere('autoscaling:DescribeAutoScalingGroups'),
  'autoscaling:DescribeInstanceRefreshes': everywhere('autoscaling:DescribeInstanceRefreshes'),
  'ec2:DescribeImages': everywhere('ec2:DescribeImages'),
  'ec2:DescribeInstances': everywhere('ec2:DescribeInstances'),
  'ec2:DescribeLaunchTemplates': everywhere('ec2:DescribeLaunchTemplates'),
  'ec2:DescribeLaunchTemplateVersions': everywhere('ec2:DescribeLaunchTemplateVersions'),
  'elasticloadbalancing:DescribeTargetHealth': everywhere('elasticloadbalancing:DescribeTargetHealth'),
  'codedeploy:ListDeploymentTargets': everywhere('codedeploy:ListDeploymentTargets'),
  'codedeploy:BatchGetDeploymentTargets': everywhere('codedeploy:BatchGetDeploymentTargets'),
  'codedeploy:StopDeployment': everywhere('codedeploy:StopDeployment'),

  // ---- CodeDeploy on the deployment group
  ...Object.fromEntries(
    ['GetDeployment', 'ListDeployments', 'GetDeploymentGroup', 'BatchGetDeployments'].map((op) => [
      `codedeploy:${op}`,
      (x: Example) => [
        { action: `codedeploy:${op}`, resource: codedeploy(`deploymentgroup:${x.application}/${x.group}`) },
      ],
    ]),
  ),
  // CreateDeployment also reads the deployment configuration and registers the revision with the
  // application (CodeDeploy User Guide, permissions reference: CreateDeployment).
  'codedeploy:CreateDeployment': (x) => [
    {
      action: 'codedeploy:CreateDeployment',
      resource: codedeploy(`deploymentgroup:${x.application}/${x.group}`),
    },
    {
      action: 'codedeploy:GetDeploymentConfig',
      resource: codedeploy('deploymentconfig:CodeDeployDefault.OneAtATime'),
    },
    {
      action: 'codedeploy:RegisterApplicationRevision',
      resource: codedeploy(`application:${x.application}`),
    },
    { action: 'codedeploy:GetApplicationRevision', resource: codedeploy(`application:${x.application}`) },
  ],

  // ---- S3: the revision bucket
  // HeadObject is authorized as s3:GetObject; on a missing key S3 answers 404 only when the caller
  // also has s3:ListBucket on the bucket, else 403 (Amazon S3 API Reference, HeadObject, Permissions).
  's3:HeadObject': (x) => [
    { action: 's3:GetObject', resource: `${getAtt('RevisionBucket.Arn')}/${x.revisionKey}` },
    {
      action: 's3:ListBucket',
      resource: getAtt('RevisionBucket.Arn'),
      context: { 's3:prefix': x.revisionKey },
    },
  ],
  's3:PutObject': (x) => [
    { action: 's3:PutObject', resource: `${getAtt('RevisionBucket.Arn')}/${x.revisionKey}` },
  ],

  // ---- SSM: the public AMI parameters
  'ssm:GetParameter': () => [
    {
      action: 'ssm:GetParameter',
      // The engine needs an account in the ARN; the policy names the public parameters with any account.
      resource: `arn:${PARTITION}:ssm:${REGION}:${ACCOUNT}:parameter/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64`,
    },
  ],

  // ---- the AMI bake
  'ec2:RunInstances': (x) => [
    ...launch(x, {
      instanceType: x.builderInstanceType,
      tags: { ...x.bakeTags, Name: `${x.bakeTags.Name}-builder`, 'dealership:role': 'builder' },
      securityGroup: x.builderSecurityGroup,
    }),
    {
      action: 'iam:PassRole',
      resource: getAtt('BuilderRole.Arn'),
      context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
    },
  ],
  'ec2:CreateImage': (x) => {
    const tags = { ...x.bakeTags, 'dealership:role': 'image' };
    const builder = {
      ...resourceTags({ ...x.bakeTags, 'dealership:role': 'builder' }),
      'ec2:InstanceType': x.builderInstanceType,
    };
    return [
      { action: 'ec2:CreateImage', resource: ec2('instance', BUILDER), context: builder },
      { action: 'ec2:CreateImage', resource: ec2('image', IMAGE, false), context: requestTags(tags) },
      { action: 'ec2:CreateImage', resource: ec2('snapshot', SNAPSHOT, false), context: requestTags(tags) },
      ...[ec2('image', IMAGE, false), ec2('snapshot', SNAPSHOT, false)].map((arn) => ({
        action: 'ec2:CreateTags',
        resource: arn,
        context: { 'ec2:CreateAction': 'CreateImage', ...requestTags(tags) },
      })),
    ];
  },
  ...Object.fromEntries(
    ['GetConsoleOutput', 'TerminateInstances'].map((op) => [
      `ec2:${op}`,
      (x: Example) => [
        {
          action: `ec2:${op}`,
          resource: ec2('instance', BUILDER),
          context: {
            ...resourceTags({ ...x.bakeTags, 'dealership:role': 'builder' }),
            'ec2:InstanceType': x.builderInstanceType,
          },
        },
      ],
    ]),
  ),
  'ec2:DeregisterImage': (x) => [
    {
      action: 'ec2:DeregisterImage',
      resource: ec2('image', IMAGE, false),
      context: resourceTags({ ...x.bakeTags, 'dealership:role': 'image' }),
    },
  ],
  'ec2:DeleteSnapshot': (x) => [
    {
      action: 'ec2:DeleteSnapshot',
      resource: ec2('snapshot', SNAPSHOT, false),
      context: resourceTags({ ...x.bakeTags, 'dealership:role': 'image' }),
    },
  ],

  // ---- the launch template and the instance refresh
  ...Object.fromEntries(
    ['CreateLaunchTemplateVersion', 'ModifyLaunchTemplate'].map((op) => [
      `ec2:${op}`,
      (x: Example) => [
        {
          action: `ec2:${op}`,
          resource: ec2('launch-template', x.launchTemplateId),
          context: resourceTags({ 'dealership:stack': STACK }),
        },
      ],
    ]),
  ),
  ...Object.fromEntries(
    ['CancelInstanceRefresh', 'RollbackInstanceRefresh'].map((op) => [
      `autoscaling:${op}`,
      (x: Example) => [{ action: `autoscaling:${op}`, resource: autoScalingGroupArn(x) }],
    ]),
  ),
  // StartInstanceRefresh checks that the caller may launch from the launch template its
  // DesiredConfiguration names: RunInstances from it, its tags, and passing its instance profile
  // ("You are not authorized to use launch template" otherwise; Amazon EC2 Auto Scaling User Guide,
  // launch template permissions).
  'autoscaling:StartInstanceRefresh': (x) => [
    { action: 'autoscaling:StartInstanceRefresh', resource: autoScalingGroupArn(x) },
    ...launch(x, {
      instanceType: x.serviceInstanceType,
      tags: x.serviceTags,
      securityGroup: x.instanceSecurityGroup,
      launchTemplate: ec2('launch-template', x.launchTemplateId),
    }),
    {
      action: 'iam:PassRole',
      resource: getAtt('InstanceRole.Arn'),
      context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
    },
  ],
};

function autoScalingGroupArn(x: Example): string {
  return `arn:${PARTITION}:autoscaling:${REGION}:${ACCOUNT}:autoScalingGroup:0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9:autoScalingGroupName/${x.autoScalingGroup}`;
}

/**
 * What the service instances call with InstanceRole (code outside this repository's TypeScript): the
 * CodeDeploy agent downloads the revision (aws-codedeploy-agent, plugins/codedeploy/command_executor.rb,
 * download_from_s3: GetObject), the user data reads the database secret (template.yml, the
 * `aws secretsmanager get-secret-value` in dealership-env), and the CloudWatch agent ships the logs
 * deploy/image/provision.sh configures.
 */
export function instanceCalls(x: Example, template: Template): AuthorizationRequest[] {
  const groups = ['ServiceLogGroup', 'CodeDeployAgentLogGroup'].map(
    (id) => `arn:${PARTITION}:logs:${REGION}:${ACCOUNT}:log-group:${ref(template, id)}`,
  );
  return [
    { action: 's3:GetObject', resource: `${getAtt('RevisionBucket.Arn')}/${x.revisionKey}` },
    {
      action: 'secretsmanager:GetSecretValue',
      resource: String(resolve(template, { 'Fn::GetAtt': ['Database', 'MasterUserSecret.SecretArn'] })),
    },
    { action: 'logs:DescribeLogGroups', resource: '*' },
    ...groups.flatMap((group) => [
      { action: 'logs:CreateLogGroup', resource: group },
      { action: 'logs:PutRetentionPolicy', resource: group },
      { action: 'logs:DescribeLogStreams', resource: group },
      { action: 'logs:CreateLogStream', resource: `${group}:log-stream:i-0a1b2c3d4e5f60718` },
      { action: 'logs:PutLogEvents', resource: `${group}:log-stream:i-0a1b2c3d4e5f60718` },
    ]),
  ];
}
