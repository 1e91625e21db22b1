import * as core from '@actions/core';
import * as github from '@actions/github';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { runAction } from '../../lib/action.js';
import { createClient, hasAwsCredentials, s3ClientConfig } from '../../lib/aws.js';
import { describeError } from '../../lib/errors.js';
import { parseBaseImage } from '../../lib/images.js';
import { readBoolean, readList, readRegion, readRequired, readString } from '../../lib/inputs.js';
import { launchTemplateRef } from '../../lib/launch-templates.js';
import { workspaceRoot } from '../../lib/recipe.js';
import { setOutputs, writeSummary } from '../../lib/report.js';
import { currentCommit } from '../../lib/tags.js';
import { octokitComments, upsertPlanComment } from './comment.js';
import { gatherPlan, type PlanAws, type PlanRequest } from './plan.js';
import { bakeNeeded, renderPlan } from './render.js';
import { readReports, withReports } from './reports.js';

export function readPlanInputs(): PlanRequest & {
  githubToken: string;
  comment: boolean;
  commentAuthor: string;
  reports: string[];
} {
  const launchTemplate = readString('launch-template');
  return {
    base: parseBaseImage(readRequired('base-image')),
    provisionScript: readRequired('provision-script'),
    recipePaths: readList('recipe-paths'),
    workspace: workspaceRoot(),
    autoScalingGroup: readString('auto-scaling-group') || undefined,
    launchTemplate: launchTemplate ? launchTemplateRef(launchTemplate) : undefined,
    application: readString('application') || undefined,
    deploymentGroup: readString('deployment-group') || undefined,
    revisionBucket: readString('revision-bucket') || undefined,
    environment: readString('environment', 'production'),
    commentAuthor: readString('comment-author', 'github-actions[bot]'),
    githubToken: readString('github-token'),
    comment: readBoolean('comment', true),
    reports: readList('reports'),
  };
}

/** AWS clients when a region and credentials are there; otherwise why not (a fork's pull request). */
async function awsAccess(): Promise<PlanAws> {
  if (!readString('region') && !process.env.AWS_REGION && !process.env.AWS_DEFAULT_REGION) {
    return { unavailable: 'no AWS region configured' };
  }
  const options = { region: readRegion() };
  const ec2 = createClient(EC2Client, options);
  if (!(await hasAwsCredentials(ec2))) {
    return { unavailable: 'no AWS credentials (pull requests from forks get none)' };
  }
  return {
    ec2,
    ssm: createClient(SSMClient, options),
    autoScaling: createClient(AutoScalingClient, options),
    elbv2: createClient(ElasticLoadBalancingV2Client, options),
    codeDeploy: createClient(CodeDeployClient, options),
    s3: createClient(S3Client, options, s3ClientConfig(options)),
  };
}

/** Updates or creates the plan comment on the pull request; never fails the step. */
async function commentOnPullRequest(token: string, markdown: string, author: string): Promise<void> {
  const number = github.context.payload.pull_request?.number;
  if (number === undefined) {
    core.info('Not a pull request: no comment.');
    return;
  }
  if (!token) {
    core.warning('No github-token: the plan is in the job summary only.');
    return;
  }
  try {
    const api = octokitComments(github.getOctokit(token), { ...github.context.repo, number });
    const result = await upsertPlanComment(api, markdown, author);
    core.info(`Plan comment ${result.action}: ${result.url ?? ''}`);
  } catch (error) {
    // A fork's token is read-only; the job summary still has the plan.
    core.warning(`Could not comment on pull request #${number}: ${describeError(error)}`);
  }
}

export async function run(): Promise<void> {
  await runAction(async () => {
    let markdown = '';
    let needed: string = 'unknown';
    try {
      const inputs = readPlanInputs();
      const plan = await gatherPlan(await awsAccess(), inputs);
      markdown = withReports(
        renderPlan(plan, { commit: currentCommit() }),
        await readReports(inputs.reports, inputs.workspace),
      );
      needed = bakeNeeded(plan);
      await writeSummary(markdown);
      if (inputs.comment) await commentOnPullRequest(inputs.githubToken, markdown, inputs.commentAuthor);
    } finally {
      setOutputs({ 'bake-needed': needed, markdown });
    }
  });
}
