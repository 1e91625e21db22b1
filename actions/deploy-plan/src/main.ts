import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import {
  createClient,
  currentCommit,
  hasAwsCredentials,
  readRegion,
  readString,
  runAction,
  s3ClientConfig,
  setOutputs,
  writeSummary,
} from '../../lib/index.js';
import { commentOnPullRequest } from './comment.js';
import { readPlanInputs } from './inputs.js';
import { gatherPlan, type PlanAws } from './plan.js';
import { readReports, withReports } from './reports.js';
import { bakeNeeded, renderPlan } from './summary.js';

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
