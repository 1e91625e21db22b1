import * as core from '@actions/core';
import * as github from '@actions/github';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import {
  createClient,
  currentCommit,
  InputError,
  progress,
  readEnum,
  readRequired,
  readString,
  runAction,
  s3ClientConfig,
  setOutputs,
  workspaceRoot,
  writeSummary,
} from '../../lib/index.js';
import { abortCanary, promoteCanary, watchCanary } from './canary-modes.js';
import type { ReleaseDeps } from './converge.js';
import { octokitRuns, unfinishedRollbacks } from './gate.js';
import { MODES, readEnvironment, readRunContext, readStackConfig } from './inputs.js';
import { gitAncestry } from './order.js';
import { type Release, readRecord } from './record.js';
import { deployRelease, recoverRelease, rollbackRelease } from './release.js';
import { gateSummary, releaseSummary } from './summary.js';

function clients(region: string) {
  return {
    ec2: createClient(EC2Client, { region }),
    ssm: createClient(SSMClient, { region }),
    s3: createClient(S3Client, { region }, s3ClientConfig({ region })),
    autoScaling: createClient(AutoScalingClient, { region }),
    codeDeploy: createClient(CodeDeployClient, { region }),
    elbv2: createClient(ElasticLoadBalancingV2Client, { region }),
    cloudWatch: createClient(CloudWatchClient, { region }),
  };
}

async function gate(): Promise<void> {
  const environment = readEnvironment();
  const octokit = github.getOctokit(readRequired('github-token'));
  const waiting = await unfinishedRollbacks(octokitRuns(octokit, github.context.repo), environment);
  for (const run of waiting)
    core.warning(
      `Rollback run ${run.id} (${run.status}) of ${environment} is waiting: this push does not deploy. ${run.html_url ?? ''}`,
    );
  setOutputs({ proceed: waiting.length === 0, outcome: waiting.length === 0 ? 'proceed' : 'wait' });
  await writeSummary(gateSummary(environment, waiting));
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
        // A canary's promote job recovers the canary's release (the deploy job's id), not its own attempt's.
        release = await recoverRelease(deps, config, {
          ...context,
          id: readString('release-id', context.id),
        });
      } else if (mode === 'promote') {
        release = await promoteCanary(deps, config, context, readString('release-id', context.id));
      } else if (mode === 'abort') {
        const reason = readRequired('reason');
        release = await abortCanary(deps, config, context, readString('release-id', context.id), reason);
      } else if (mode === 'watch') {
        release = await watchCanary(deps, config, context, readString('release-id', context.id));
      } else {
        const { record } = await readRecord(deps.s3, config.bucket, config.environment);
        const id = readString('release-id', context.id);
        release = record.releases.find((r) => r.id === id);
        await writeSummary(releaseSummary(release, config.environment, id));
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
        canary: release?.canary?.state,
      });
    }
  });
}
