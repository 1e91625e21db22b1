import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  CodeDeployClient,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
} from '@aws-sdk/client-codedeploy';
import {
  DescribeImagesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { commitOf, gatherPlan, type PlanRequest } from './plan.js';
import { bakeNeeded, PLAN_MARKER, renderPlan } from './summary.js';

const ec2Mock = mockClient(EC2Client);
const ssmMock = mockClient(SSMClient);
const asgMock = mockClient(AutoScalingClient);
const elbMock = mockClient(ElasticLoadBalancingV2Client);
const cdMock = mockClient(CodeDeployClient);
const s3Mock = mockClient(S3Client);
const aws = {
  ec2: new EC2Client({ region: 'eu-west-1' }),
  ssm: new SSMClient({ region: 'eu-west-1' }),
  autoScaling: new AutoScalingClient({ region: 'eu-west-1' }),
  elbv2: new ElasticLoadBalancingV2Client({ region: 'eu-west-1' }),
  codeDeploy: new CodeDeployClient({ region: 'eu-west-1' }),
  s3: new S3Client({ region: 'eu-west-1' }),
};

function workspace() {
  const root = mkdtempSync(join(tmpdir(), 'plan-'));
  mkdirSync(join(root, 'deploy/image'), { recursive: true });
  writeFileSync(join(root, 'deploy/image/provision.sh'), '#!/bin/sh\npoweroff\n');
  return root;
}

const request = (overrides: Partial<PlanRequest> = {}): PlanRequest => ({
  base: { imageId: 'ami-0000000000000ba5e' },
  provisionScript: 'deploy/image/provision.sh',
  recipePaths: [],
  workspace: workspace(),
  autoScalingGroup: 'dealership',
  launchTemplate: { LaunchTemplateName: 'dealership' },
  application: 'dealership',
  deploymentGroup: 'production',
  ...overrides,
});

const TG = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/dealership/0123456789abcdef';

function givenAccount({ cached }: { cached?: boolean } = {}) {
  ec2Mock.on(DescribeImagesCommand).resolves({
    Images: cached ? [{ ImageId: 'ami-00000000000000002', Name: 'dealership-2', State: 'available' }] : [],
  });
  ec2Mock.on(DescribeLaunchTemplatesCommand).resolves({
    LaunchTemplates: [
      {
        LaunchTemplateId: 'lt-0123456789abcdef0',
        LaunchTemplateName: 'dealership',
        DefaultVersionNumber: 4,
        LatestVersionNumber: 5,
      },
    ],
  });
  ec2Mock.on(DescribeLaunchTemplateVersionsCommand).resolves({
    LaunchTemplateVersions: [{ VersionNumber: 4, LaunchTemplateData: { ImageId: 'ami-00000000000000001' } }],
  });
  asgMock.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [
      {
        AutoScalingGroupName: 'dealership',
        DesiredCapacity: 3,
        MinSize: 2,
        MaxSize: 6,
        LaunchTemplate: { LaunchTemplateId: 'lt-0123456789abcdef0', Version: '4' },
        Instances: [
          { InstanceId: 'i-1', LaunchTemplate: { Version: '4' }, HealthStatus: 'Healthy' },
          { InstanceId: 'i-2', LaunchTemplate: { Version: '4' }, HealthStatus: 'Healthy' },
          { InstanceId: 'i-3', LaunchTemplate: { Version: '3' }, HealthStatus: 'Unhealthy' },
        ] as never,
        TargetGroupARNs: [TG],
      } as never,
    ],
  });
  elbMock.on(DescribeTargetHealthCommand).resolves({
    TargetHealthDescriptions: [
      { TargetHealth: { State: 'healthy' } },
      { TargetHealth: { State: 'healthy' } },
      { TargetHealth: { State: 'draining' } },
    ],
  });
  cdMock.on(GetDeploymentGroupCommand).resolves({
    deploymentGroupInfo: {
      lastSuccessfulDeployment: { deploymentId: 'd-ABC123', endTime: new Date('2026-11-24T20:00:00Z') },
    },
  });
  cdMock.on(GetDeploymentCommand).resolves({
    deploymentInfo: {
      description: 'acme/dealership@0123456789ab run 42',
      revision: { revisionType: 'S3', s3Location: { bucket: 'revisions', key: 'dealership/abc.zip' } },
    },
  });
}

beforeEach(() => {
  for (const mock of [ec2Mock, ssmMock, asgMock, elbMock, cdMock, s3Mock]) mock.reset();
});

describe('gatherPlan with AWS access', () => {
  it('says a bake is needed when no image has the recipe hash, with the next launch template version', async () => {
    givenAccount();
    const plan = await gatherPlan(aws, request());
    expect(bakeNeeded(plan)).toBe('true');
    const markdown = renderPlan(plan, { commit: 'f'.repeat(40) });
    expect(markdown.startsWith(PLAN_MARKER)).toBe(true);
    expect(markdown).toContain('**yes** — no image has this recipe hash');
    expect(markdown).toContain(
      'dealership (lt-0123456789abcdef0): default v4 → ami-00000000000000001, latest v5',
    );
    expect(markdown).toContain('v6 with the image this deploy bakes');
    expect(markdown).toContain(
      'dealership: 3 desired (min 2, max 6), launches v4; instances by version: 1 on v3, 2 on v4; 1 unhealthy',
    );
    expect(markdown).toContain('dealership: 2 healthy, 1 draining');
    expect(markdown).toContain(
      'd-ABC123 at 2026-11-24T20:00:00.000Z: s3://revisions/dealership/abc.zip, commit 0123456789ab',
    );
  });

  it('says no bake is needed when an image has the recipe hash, and which version would launch it', async () => {
    givenAccount({ cached: true });
    const plan = await gatherPlan(aws, request());
    expect(bakeNeeded(plan)).toBe('false');
    expect(renderPlan(plan, { commit: 'f'.repeat(40) })).toContain('v6 with ami-00000000000000002');
    const lookup = ec2Mock.commandCalls(DescribeImagesCommand)[0]!.args[0].input;
    expect(lookup.Filters).toContainEqual({ Name: 'tag:dealership:recipe-hash', Values: [plan.recipe.hash] });
  });

  it('resolves an SSM base image before hashing', async () => {
    givenAccount();
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: 'ami-0000000000000ba5e' } });
    const fromSsm = await gatherPlan(aws, request({ base: { ssmParameter: '/base' } }));
    const direct = await gatherPlan(aws, request());
    expect(fromSsm.recipe.hash).toBe(direct.recipe.hash);
  });

  it('records what it could not see, with the AWS error, and still shows the rest', async () => {
    givenAccount();
    asgMock.on(DescribeAutoScalingGroupsCommand).rejects(
      Object.assign(new Error('User is not authorized to perform autoscaling:DescribeAutoScalingGroups'), {
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403, requestId: 'req-7' },
      }),
    );
    const plan = await gatherPlan(aws, request());
    const markdown = renderPlan(plan, { commit: 'f'.repeat(40) });
    expect(markdown).toContain(
      '_not visible_ — AccessDenied: User is not authorized to perform autoscaling:DescribeAutoScalingGroups (HTTP 403, request id req-7)',
    );
    expect(markdown).toContain('_not visible_ — the Auto Scaling group could not be seen');
    expect(bakeNeeded(plan)).toBe('true');
  });

  it('leaves out what it was not asked about', async () => {
    givenAccount();
    const plan = await gatherPlan(aws, request({ autoScalingGroup: undefined, application: undefined }));
    expect(plan.autoScalingGroup).toEqual({
      seen: false,
      reason: 'not asked (input auto-scaling-group is empty)',
    });
    expect(plan.lastDeployment).toEqual({
      seen: false,
      reason: 'not asked (input application/deployment-group is empty)',
    });
    expect(asgMock.commandCalls(DescribeAutoScalingGroupsCommand)).toHaveLength(0);
  });
});

describe('gatherPlan without AWS access', () => {
  it('still reports the recipe hash for an AMI id base and says why the rest is not visible', async () => {
    const plan = await gatherPlan(
      { unavailable: 'no AWS credentials (pull requests from forks get none)' },
      request(),
    );
    expect(plan.recipe.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(bakeNeeded(plan)).toBe('unknown');
    const markdown = renderPlan(plan, { commit: 'f'.repeat(40) });
    expect(markdown).toContain(`\`${plan.recipe.hash!.slice(0, 12)}\` (base ami-0000000000000ba5e, 1 files)`);
    expect(markdown).toContain('| Launch template | _not visible_ |');
    expect(markdown).toContain(
      '_Not visible: no AWS credentials (pull requests from forks get none). The recipe above',
    );
  });

  it('reports the repository part of the recipe when the base image is an SSM parameter', async () => {
    const plan = await gatherPlan(
      { unavailable: 'no AWS credentials' },
      request({ base: { ssmParameter: '/base' } }),
    );
    expect(plan.recipe.hash).toBeUndefined();
    expect(renderPlan(plan, { commit: 'f'.repeat(40) })).toContain(
      `unknown: base image resolve:ssm:/base could not be resolved; repository part \`${plan.recipe.filesDigest.slice(0, 12)}\``,
    );
  });
});

describe('commitOf', () => {
  it('takes a GitHub revision commit, else the sha after @ in the description', () => {
    expect(commitOf('x', 'abc1234')).toBe('abc1234');
    expect(commitOf('acme/dealership@0123456789ab run 42', undefined)).toBe('0123456789ab');
    expect(commitOf(`deploy ${'a'.repeat(40)}`, undefined)).toBe('a'.repeat(40));
    expect(commitOf('manual deploy', undefined)).toBeUndefined();
  });
});
