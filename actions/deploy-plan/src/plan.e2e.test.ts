/** The built deploy-plan as the runner runs it: against moto, and with no AWS credentials at all. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoScalingClient, CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import {
  CodeDeployClient,
  CreateApplicationCommand,
  CreateDeploymentGroupCommand,
} from '@aws-sdk/client-codedeploy';
import { CreateLaunchTemplateCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { type MotoServer, startMoto } from '@dealership/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHub } from '../../test-support/fake-github.js';
import { runBuiltAction } from '../../test-support/run-action.js';
import { PLAN_MARKER } from './summary.js';

let moto: MotoServer;
const root = mkdtempSync(join(tmpdir(), 'plan-e2e-'));
mkdirSync(join(root, 'deploy/image'), { recursive: true });
writeFileSync(join(root, 'deploy/image/provision.sh'), '#!/bin/sh\npoweroff\n');
writeFileSync(join(root, 'event.json'), JSON.stringify({ pull_request: { number: 7 } }));

beforeAll(async () => {
  moto = await startMoto();
  const ec2 = new EC2Client(moto.clientConfig);
  const subnet = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets![0]!;
  await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: 'dealership',
      LaunchTemplateData: { ImageId: 'ami-00000000000000001', InstanceType: 't3.small' },
    }),
  );
  const elbv2 = new ElasticLoadBalancingV2Client(moto.clientConfig);
  const targetGroup = await elbv2.send(
    new CreateTargetGroupCommand({ Name: 'dealership', Protocol: 'HTTP', Port: 3000, VpcId: subnet.VpcId }),
  );
  await new AutoScalingClient(moto.clientConfig).send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: 'dealership',
      LaunchTemplate: { LaunchTemplateName: 'dealership', Version: '1' },
      MinSize: 2,
      MaxSize: 4,
      DesiredCapacity: 2,
      VPCZoneIdentifier: subnet.SubnetId,
      TargetGroupARNs: [targetGroup.TargetGroups![0]!.TargetGroupArn!],
    }),
  );
  const codeDeploy = new CodeDeployClient(moto.clientConfig);
  await codeDeploy.send(
    new CreateApplicationCommand({ applicationName: 'dealership', computePlatform: 'Server' }),
  );
  await codeDeploy.send(
    new CreateDeploymentGroupCommand({
      applicationName: 'dealership',
      deploymentGroupName: 'production',
      serviceRoleArn: 'arn:aws:iam::123456789012:role/codedeploy',
      autoScalingGroups: ['dealership'],
    }),
  );
});
afterAll(async () => {
  await moto?.stop();
});

const inputs = {
  'base-image': 'ami-0000000000000ba5e',
  'provision-script': 'deploy/image/provision.sh',
  'auto-scaling-group': 'dealership',
  'launch-template': 'dealership',
  application: 'dealership',
  'deployment-group': 'production',
  'github-token': 'test-token',
};

function githubEnv(apiUrl: string) {
  return {
    GITHUB_WORKSPACE: root,
    GITHUB_SHA: 'abcdef1'.padEnd(40, '0'),
    GITHUB_API_URL: apiUrl,
    GITHUB_REPOSITORY: 'acme/dealership',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: join(root, 'event.json'),
  };
}

describe('deploy-plan', () => {
  it('reports the plan from moto and keeps one pull request comment, updated in place', async () => {
    const github = await startFakeGitHub({ pageSize: 2 });
    try {
      github.add('first review comment');
      github.add('second review comment');
      github.add('third review comment');
      const env = { ...moto.env, ...githubEnv(github.url) };

      const first = await runBuiltAction('deploy-plan', { cwd: root, env, inputs });
      expect(first.code, first.stdout).toBe(0);
      expect(first.outputs['bake-needed']).toBe('true');
      expect(first.outputs.markdown).toContain('dealership: 2 desired (min 2, max 4), launches v1');
      expect(first.outputs.markdown).toContain('default v1 → ami-00000000000000001');
      expect(first.outputs.markdown).toContain('Last successful deployment | none yet');
      expect(first.summary).toContain(PLAN_MARKER);
      expect(github.comments).toHaveLength(4);
      expect(github.comments[3]!.body).toBe(first.outputs.markdown);

      const second = await runBuiltAction('deploy-plan', { cwd: root, env, inputs });
      expect(second.code).toBe(0);
      expect(github.comments).toHaveLength(4);
      expect(github.requests.filter((r) => r.startsWith('PATCH'))).toEqual([
        'PATCH /repos/acme/dealership/issues/comments/1003',
      ]);
      expect(github.requests).toContain('GET /repos/acme/dealership/issues/7/comments?per_page=100&page=2');
    } finally {
      await github.close();
    }
  });

  it('without AWS credentials still reports the recipe hash, says what it could not see, and succeeds', async () => {
    const github = await startFakeGitHub();
    try {
      const home = mkdtempSync(join(tmpdir(), 'no-aws-home-'));
      // The upgrade rehearsal's report travels with the plan; one the job did not write is named.
      writeFileSync(
        join(root, 'upgrade.md'),
        '<!-- dealership-upgrade-rehearsal -->\n### Upgrade rehearsal: passed\n',
      );
      const run = await runBuiltAction('deploy-plan', {
        cwd: root,
        env: {
          ...githubEnv(github.url),
          HOME: home,
          AWS_REGION: 'us-east-1',
          AWS_EC2_METADATA_DISABLED: 'true',
        },
        inputs: { ...inputs, reports: 'upgrade.md\n.upgrade/missing.md' },
      });
      expect(run.code, run.stdout).toBe(0);
      expect(run.outputs['bake-needed']).toBe('unknown');
      expect(run.outputs.markdown).toMatch(
        /Image recipe \| `[0-9a-f]{12}` \(base ami-0000000000000ba5e, 1 files\)/,
      );
      expect(run.outputs.markdown).toContain('| Auto Scaling group | _not visible_ |');
      expect(run.outputs.markdown).toContain(
        '_Not visible: no AWS credentials (pull requests from forks get none).',
      );
      expect(github.comments).toHaveLength(1);
      expect(github.comments[0]?.body).toContain(
        '---\n\n<!-- dealership-upgrade-rehearsal -->\n### Upgrade rehearsal: passed',
      );
      expect(github.comments[0]?.body).toContain('**Report missing:** `.upgrade/missing.md`');
      expect(run.summary).toContain('### Upgrade rehearsal: passed');
    } finally {
      await github.close();
    }
  });

  it('warns but succeeds when the token may not comment (a fork’s read-only token)', async () => {
    const github = await startFakeGitHub({ failWith: 403 });
    try {
      const run = await runBuiltAction('deploy-plan', {
        cwd: root,
        env: { ...moto.env, ...githubEnv(github.url) },
        inputs,
      });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('::warning::Could not comment on pull request #7');
      expect(run.summary).toContain(PLAN_MARKER);
    } finally {
      await github.close();
    }
  });
});
