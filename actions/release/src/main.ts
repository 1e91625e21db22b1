import * as core from '@actions/core';
import * as github from '@actions/github';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import {
  createClient,
  currentCommit,
  InputError,
  launchTemplateRef,
  parseBaseImage,
  progress,
  readEnum,
  readInteger,
  readList,
  readListMatching,
  readMatching,
  readRegion,
  readRequired,
  readString,
  readTags,
  runAction,
  s3ClientConfig,
  setOutputs,
  workspaceRoot,
  writeSummary,
} from '../../lib/index.js';
import type { ReleaseDeps, StackConfig } from './converge.js';
import { octokitRuns, unfinishedRollbacks } from './gate.js';
import { gitAncestry } from './order.js';
import { type Release, readRecord } from './record.js';
import { deployRelease, type RunContext, recoverRelease, rollbackRelease } from './release.js';
import { timelineMarkdown } from './timeline.js';

export const MODES = ['deploy', 'rollback', 'recover', 'summary', 'gate'] as const;

const ENVIRONMENT = /^[A-Za-z0-9_.-]{1,255}$/;

export function readStackConfig(): StackConfig {
  const template = readRequired('launch-template');
  const workspace = workspaceRoot();
  const serviceUrl = readMatching('service-url', /^https?:\/\/\S+$/, 'must be an http(s):// URL');
  return {
    region: readRegion(),
    environment: readMatching('environment', ENVIRONMENT, 'must be an environment name'),
    application: readRequired('application'),
    deploymentGroup: readRequired('deployment-group'),
    autoScalingGroup: readRequired('auto-scaling-group'),
    launchTemplate: launchTemplateRef(template),
    bucket: readMatching('revision-bucket', /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must name an S3 bucket'),
    revisionPrefix: readString('revision-prefix', 'revisions').replace(/^\/+|\/+$/g, ''),
    serviceUrl: serviceUrl || undefined,
    alarms: readList('alarms'),
    keepReleases: readInteger('keep-releases', { fallback: 10, min: 1, max: 1000 }),
    bake: {
      base: parseBaseImage(
        readString('base-image') ||
          'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
      ),
      instanceType: readMatching(
        'instance-type',
        /^[a-z][a-z0-9-]*\.[a-z0-9]+$/,
        'must be an EC2 instance type such as t3.small',
        't3.small',
      ),
      subnetId: readMatching('subnet-id', /^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id') || undefined,
      securityGroupIds: readListMatching(
        'security-group-ids',
        /^sg-[0-9a-f]{8,17}$/,
        'must list security group ids (sg-…)',
      ),
      instanceProfile: readString('instance-profile') || undefined,
      provisionScript: readString('provision-script', 'deploy/image/provision.sh'),
      recipePaths: readList('recipe-paths'),
      workspace,
      namePrefix: 'dealership',
      tags: readTags('tags'),
      keepImages: readInteger('keep-images', { fallback: 5, min: 0, max: 1000 }),
      pollIntervalMs: 15_000,
    },
  };
}

export function readRunContext(now: number): RunContext {
  const started = readInteger('job-started', { fallback: Math.floor(now / 1000), min: 0 });
  const minutes = readInteger('job-timeout-minutes', { fallback: 360, min: 1, max: 4320 });
  const { GITHUB_RUN_ID = 'local', GITHUB_RUN_ATTEMPT = '1', GITHUB_ACTOR } = process.env;
  return {
    id: `${GITHUB_RUN_ID}-${GITHUB_RUN_ATTEMPT}`,
    actor: GITHUB_ACTOR,
    jobDeadline: started * 1000 + minutes * 60_000,
    appspecPath: `${workspaceRoot()}/${readString('appspec', 'appspec.yml')}`,
  };
}

function clients(region: string) {
  return {
    ec2: createClient(EC2Client, { region }),
    ssm: createClient(SSMClient, { region }),
    s3: createClient(S3Client, { region }, s3ClientConfig({ region })),
    autoScaling: createClient(AutoScalingClient, { region }),
    codeDeploy: createClient(CodeDeployClient, { region }),
    elbv2: createClient(ElasticLoadBalancingV2Client, { region }),
  };
}

async function gate(): Promise<void> {
  const environment = readMatching('environment', ENVIRONMENT, 'must be an environment name');
  const octokit = github.getOctokit(readRequired('github-token'));
  const waiting = await unfinishedRollbacks(octokitRuns(octokit, github.context.repo), environment);
  for (const run of waiting)
    core.warning(
      `Rollback run ${run.id} (${run.status}) of ${environment} is waiting: this push does not deploy. ${run.html_url ?? ''}`,
    );
  setOutputs({ proceed: waiting.length === 0, outcome: waiting.length === 0 ? 'proceed' : 'wait' });
  await writeSummary(
    waiting.length === 0
      ? `### Deploy gate: no rollback of ${environment} is waiting; the deploy goes ahead\n`
      : `### Deploy gate: not deploying\n\nA rollback of ${environment} is queued or running (${waiting.map((r) => r.html_url ?? r.id).join(', ')}). ` +
          'A push would take its place in the concurrency group and cancel it, so this push is not deployed: push again, or run deploy by hand, once the rollback is done.\n',
  );
}

export async function run(): Promise<void> {
  await runAction(async ({ signal, clock }) => {
    const mode = readEnum('mode', MODES, 'deploy');
    if (mode === 'gate') return gate();
    const config = readStackConfig();
    const context = readRunContext(clock.now());
    const deps: ReleaseDeps = {
      ...clients(config.region),
      clock,
      signal,
      log: progress,
      fetch: globalThis.fetch,
    };
    let release: Release | undefined;
    let failed = false;
    try {
      if (mode === 'deploy') {
        const bundle = readRequired('bundle');
        release = await deployRelease(
          deps,
          config,
          context,
          { commit: readString('commit', currentCommit()), bundle },
          gitAncestry(workspaceRoot()),
        );
      } else if (mode === 'rollback') {
        const reason = readRequired('reason');
        release = await rollbackRelease(deps, config, context, { to: readString('to', 'previous'), reason });
      } else if (mode === 'recover') {
        release = await recoverRelease(deps, config, context);
      } else {
        const { record } = await readRecord(deps.s3, config.bucket, config.environment);
        release = record.releases.find((r) => r.id === context.id);
        await writeSummary(
          release
            ? timelineMarkdown(release, config.environment)
            : `### No release by run ${context.id} in ${config.environment}'s record\n`,
        );
      }
    } catch (error) {
      if (error instanceof InputError) throw error;
      const { record } = await readRecord(deps.s3, config.bucket, config.environment).catch(() => ({
        record: undefined,
      }));
      release = record?.releases.find((r) => r.id === context.id) ?? release;
      failed = true;
      throw error;
    } finally {
      setOutputs({
        'release-id': release?.id,
        outcome: release?.outcome ?? (failed ? 'refused' : undefined),
        revision: release?.revision,
        'image-id': release?.imageId,
        'launch-template-version': release?.launchTemplateVersion,
      });
    }
  });
}
