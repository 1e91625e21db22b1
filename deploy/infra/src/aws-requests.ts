/**
 * What AWS authorizes for each API operation the pipeline calls: the IAM action on each resource ARN
 * of the request, with the condition keys AWS puts in the context (Service Authorization Reference:
 * the action's resource types and their condition keys), plus the other actions AWS checks alongside
 * (tag-on-create, PassRole, the launch template check of StartInstanceRefresh), and S3's rule for a
 * missing key, which lives outside IAM's grammar.
 *
 * Keyed by API operation, as aws-operations.ts reads them from the code: a new call without an entry
 * here fails the IAM engine test, naming it. Values come from the template (resolved with the
 * engine's examples), from the inputs the deploy workflow gives the release step, and from the release
 * action's own defaults (actions/release/action.yml), as the code would send them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
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
import { actionsDir } from './repo.js';
import { loadWorkflows, type Step } from './workflows.js';

export interface Example {
  bucket: string;
  /** A revision the release uploads (`<revision-prefix>/<sha256>.zip`). */
  revisionKey: string;
  /** The release record of the environment the deploy job releases (`releases/<environment>.json`). */
  recordKey: string;
  /** A revision outside the kept releases, which pruning tags. */
  prunedKey: string;
  revisionPrefix: string;
  application: string;
  group: string;
  /** The canary deployment group (the tagged instances). */
  canaryGroup: string;
  /** The alarms the release watches (its `alarms` input, vars.DEPLOYMENT_ALARM_NAMES). */
  alarms: string[];
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

/** The deploy workflow's step that runs the release (`./actions/release`, mode deploy). */
function releaseStep(): Step {
  const step = loadWorkflows()
    .filter((w) => w.file === 'deploy.yml')
    .flatMap((w) => Object.values(w.jobs))
    .flatMap((job) => job.steps ?? [])
    .find((s) => s.uses === './actions/release' && s.with?.mode === 'deploy');
  if (!step) throw new Error('deploy.yml runs no ./actions/release with mode: deploy');
  return step;
}

/** An input of the release step, else the release action's default for it. */
function releaseInput(template: Template, name: string): string {
  const given = releaseStep().with?.[name];
  if (given !== undefined) return expand(template, String(given));
  const action = parse(readFileSync(join(actionsDir, 'release', 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
  };
  const fallback = action.inputs[name]?.default;
  if (fallback === undefined) throw new Error(`actions/release input "${name}": not given and no default`);
  return fallback;
}

/** The tags bake-ami puts on the builder, image and snapshots (actions/bake-ami/src/bake.ts). */
function bakeTags(template: Template): Record<string, string> {
  const extra = Object.fromEntries(
    expand(template, String(releaseStep().with?.tags ?? ''))
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
  const revisionPrefix = releaseInput(template, 'revision-prefix');
  return {
    bucket: ref(template, 'RevisionBucket'),
    revisionPrefix,
    revisionKey: `${revisionPrefix}/${'ab'.repeat(32)}.zip`,
    prunedKey: `${revisionPrefix}/${'cd'.repeat(32)}.zip`,
    recordKey: `releases/${releaseInput(template, 'environment')}.json`,
    application: ref(template, 'CodeDeployApplication'),
    group: ref(template, 'DeploymentGroup'),
    canaryGroup: ref(template, 'CanaryDeploymentGroup'),
    alarms: releaseInput(template, 'alarms')
      .split(/[\n,]/)
      .map((name) => name.trim())
      .filter(Boolean),
    launchTemplateId: ref(template, 'LaunchTemplate'),
    autoScalingGroup: ref(template, 'AutoScalingGroup'),
    vpcId: ref(template, 'VpcId'),
    builderSecurityGroup: ref(template, 'BuilderSecurityGroup'),
    instanceSecurityGroup: ref(template, 'InstanceSecurityGroup'),
    builderInstanceType: releaseInput(template, 'instance-type'),
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
/** A service instance the release tags as the canary. */
const CANARY = 'i-0c1b2c3d4e5f60718';

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
  'elasticloadbalancing:DescribeTargetGroups': everywhere('elasticloadbalancing:DescribeTargetGroups'),
  'elasticloadbalancing:DescribeTargetGroupAttributes': everywhere(
    'elasticloadbalancing:DescribeTargetGroupAttributes',
  ),
  'codedeploy:ListDeploymentTargets': everywhere('codedeploy:ListDeploymentTargets'),
  'codedeploy:BatchGetDeploymentTargets': everywhere('codedeploy:BatchGetDeploymentTargets'),
  'codedeploy:StopDeployment': everywhere('codedeploy:StopDeployment'),

  // ---- CodeDeploy on the deployment group (and the canary's: deploy and watch, never read its settings)
  'codedeploy:GetDeploymentGroup': (x) => [
    {
      action: 'codedeploy:GetDeploymentGroup',
      resource: codedeploy(`deploymentgroup:${x.application}/${x.group}`),
    },
  ],
  ...Object.fromEntries(
    ['GetDeployment', 'ListDeployments'].map((op) => [
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

  // ---- S3: the revision bucket (revisions, and the release record)
  // HeadObject is authorized as s3:GetObject; on a missing key S3 answers 404 only when the caller
  // also has s3:ListBucket on the bucket, else 403 (Amazon S3 API Reference, HeadObject, Permissions).
  's3:HeadObject': (x) => objectRead(x.revisionKey),
  // The release record: the same rule, so the first release (no record yet) reads NoSuchKey, not
  // AccessDenied (Amazon S3 API Reference, GetObject, Permissions).
  's3:GetObject': (x) => objectRead(x.recordKey),
  // The revision upload, and the release record's conditional writes: If-None-Match for the first one,
  // If-Match after (the s3:if-none-match / s3:if-match keys; Amazon S3 User Guide, "Enforce conditional
  // writes on Amazon S3 buckets").
  's3:PutObject': (x): AuthorizationRequest[] => [
    { action: 's3:PutObject', resource: `${getAtt('RevisionBucket.Arn')}/${x.revisionKey}` },
    {
      action: 's3:PutObject',
      resource: `${getAtt('RevisionBucket.Arn')}/${x.recordKey}`,
      context: { 's3:if-none-match': '*' },
    },
    {
      action: 's3:PutObject',
      resource: `${getAtt('RevisionBucket.Arn')}/${x.recordKey}`,
      context: { 's3:if-match': '"0123456789abcdef0123456789abcdef"' },
    },
  ],
  // Pruning lists the revisions and tags those no kept release needs for the bucket's lifecycle.
  's3:ListObjectsV2': (x) => [
    {
      action: 's3:ListBucket',
      resource: getAtt('RevisionBucket.Arn'),
      context: { 's3:prefix': `${x.revisionPrefix}/` },
    },
  ],
  's3:PutObjectTagging': (x) => [
    {
      action: 's3:PutObjectTagging',
      resource: `${getAtt('RevisionBucket.Arn')}/${x.prunedKey}`,
      context: {
        's3:RequestObjectTag/dealership:revision': 'pruned',
        's3:RequestObjectTagKeys': ['dealership:revision'],
      },
    },
  ],

  // ---- the canary: its tag on the group's instances, the alarms and figures of its bake
  // CreateTags/DeleteTags on an instance carry its tags (aws:autoscaling:groupName, which Auto Scaling
  // puts on its instances) and the request's (Service Authorization Reference, Amazon EC2, CreateTags).
  'ec2:CreateTags': (x) => [
    {
      action: 'ec2:CreateTags',
      resource: ec2('instance', CANARY),
      context: {
        ...resourceTags({ 'aws:autoscaling:groupName': x.autoScalingGroup, ...x.serviceTags }),
        ...requestTags({ 'dealership:canary': 'true' }),
      },
    },
  ],
  'ec2:DeleteTags': (x) => [
    {
      action: 'ec2:DeleteTags',
      resource: ec2('instance', CANARY),
      context: {
        ...resourceTags({ 'aws:autoscaling:groupName': x.autoScalingGroup, ...x.serviceTags }),
        'aws:TagKeys': ['dealership:canary'],
      },
    },
  ],
  // DescribeAlarms authorizes each alarm (resource type alarm, required); GetMetricData names none.
  'cloudwatch:DescribeAlarms': (x) =>
    x.alarms.map((name) => ({
      action: 'cloudwatch:DescribeAlarms',
      resource: `arn:${PARTITION}:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`,
    })),
  'cloudwatch:GetMetricData': everywhere('cloudwatch:GetMetricData'),

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
  // DesiredConfiguration names (launchFromTheTemplate).
  'autoscaling:StartInstanceRefresh': (x) => [
    { action: 'autoscaling:StartInstanceRefresh', resource: autoScalingGroupArn(x) },
    ...launchFromTheTemplate(x),
  ],
  // The release pins an empty group to a launch template version: the same launch template check.
  'autoscaling:UpdateAutoScalingGroup': (x) => [
    { action: 'autoscaling:UpdateAutoScalingGroup', resource: autoScalingGroupArn(x) },
    ...launchFromTheTemplate(x),
  ],
};

/**
 * The release's canary sends codedeploy-deploy's calls to the canary deployment group as well (the
 * revision to the tagged instances, and back on a rollback): the deploy role's requests besides
 * AUTHORIZATION's, which model each operation on the main group.
 */
export function canaryDeployments(x: Example): AuthorizationRequest[] {
  const group = codedeploy(`deploymentgroup:${x.application}/${x.canaryGroup}`);
  return ['CreateDeployment', 'GetDeployment', 'ListDeployments'].map((op) => ({
    action: `codedeploy:${op}`,
    resource: group,
  }));
}

/** A read of one object, and the s3:ListBucket that makes a missing key 404 rather than 403. */
function objectRead(key: string): AuthorizationRequest[] {
  return [
    { action: 's3:GetObject', resource: `${getAtt('RevisionBucket.Arn')}/${key}` },
    { action: 's3:ListBucket', resource: getAtt('RevisionBucket.Arn'), context: { 's3:prefix': key } },
  ];
}

/**
 * What an Auto Scaling call that names the launch template checks of the caller: that it may launch
 * from it (RunInstances with its instance type, tags and network), tag what it launches, and pass its
 * instance profile's role ("You are not authorized to use launch template" otherwise; Amazon EC2 Auto
 * Scaling User Guide, launch template permissions).
 */
function launchFromTheTemplate(x: Example): AuthorizationRequest[] {
  return [
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
  ];
}

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
