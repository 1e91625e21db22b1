import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { S3Client } from '@aws-sdk/client-s3';
import { type Clock, PollAbortedError, PollTimeoutError } from '../../lib/index.js';
import { validateAppSpec } from './appspec.js';
import { loadBundle } from './bundle.js';
import { createWhenGroupIsFree, type WaitContext } from './deployments.js';
import {
  deploymentOutcome,
  describeFailure,
  failedInstances,
  failureReport,
  type HookFailure,
  hookFailures,
  succeededWithFailures,
} from './diagnostics.js';
import type { DeployInputs } from './inputs.js';
import { type S3Revision, s3Url } from './revision.js';
import { stopDeployment } from './stop.js';
import { findRevision, uploadBundle } from './upload.js';
import { type DeploymentView, watchDeployment } from './watch.js';

export interface DeployDeps {
  codeDeploy: CodeDeployClient;
  s3: S3Client;
  clock: Clock;
  /** Aborts when the runner cancels the step. */
  signal: AbortSignal;
  log: (line: string) => void;
}

/** What the run found out, filled in as it goes, so outputs and summary can be written even on failure. */
export interface DeployOutcome {
  revision?: string;
  uploaded?: boolean;
  deploymentId?: string;
  status?: string;
  durationSeconds?: number;
  view?: DeploymentView;
  failures: HookFailure[];
  /** Instances whose deployment Failed, even when CodeDeploy counts the deployment Succeeded. */
  failedInstances?: string[];
  /** What on-cancel did after a timeout or the runner's cancel. */
  stopped?: string;
}

export function newOutcome(): DeployOutcome {
  return { failures: [] };
}

/** The deployment did not succeed (or could not be waited for); the message says how it ended. */
export class DeployFailedError extends Error {
  override name = 'DeployFailedError';
}

/**
 * Validates and uploads the bundle (or checks the revision to redeploy), waits for the group to be
 * free, creates the deployment and, with `wait`, follows it to the end. A timeout or the runner's
 * cancel stops it as `on-cancel` says, then fails with what happened.
 */
export async function deploy(deps: DeployDeps, inputs: DeployInputs, outcome: DeployOutcome): Promise<void> {
  const { clock, log } = deps;
  const began = clock.now();
  const revision = await prepareRevision(deps, inputs, outcome);
  const context: WaitContext = { ...deps, pollMs: inputs.pollMs, deadline: began + inputs.timeoutMs };

  const deploymentId = await createWhenGroupIsFree(context, inputs, revision);
  outcome.deploymentId = deploymentId;
  outcome.status = 'Created';
  log(
    `Created deployment ${deploymentId} of ${outcome.revision} to "${inputs.application}/${inputs.group}": ` +
      `https://console.aws.amazon.com/codesuite/codedeploy/deployments/${deploymentId}?region=${inputs.region}`,
  );
  if (!inputs.wait) return;

  let view: DeploymentView;
  try {
    view = await watchDeployment(context, deploymentId);
  } catch (error) {
    if (!(error instanceof PollTimeoutError || error instanceof PollAbortedError)) throw error;
    const stopped = await stopDeployment(deps.codeDeploy, deploymentId, inputs.onCancel);
    outcome.stopped = stopped.action;
    outcome.status = stopped.status ?? outcome.status;
    outcome.durationSeconds = Math.round((clock.now() - began) / 1000);
    log(`The action ${stopped.action}.`);
    throw new DeployFailedError(`${error.message}. The action ${stopped.action}.`);
  }

  const { info } = view;
  outcome.view = view;
  outcome.status = info.status;
  const end = info.completeTime?.getTime() ?? clock.now();
  outcome.durationSeconds = Math.round((end - (info.createTime?.getTime() ?? began)) / 1000);
  outcome.failures = hookFailures(view.targets.values());
  outcome.failedInstances = failedInstances(view.targets.values());
  if (info.status === 'Succeeded' && outcome.failedInstances.length === 0) {
    log(`Deployment ${deploymentId} Succeeded on ${view.targets.size} instance(s)`);
    return;
  }
  for (const failure of outcome.failures) log(failureReport(failure));
  const first = outcome.failures[0];
  const what = first ? describeFailure(first) : `${outcome.failedInstances.join(', ')} failed`;
  if (info.status === 'Succeeded')
    throw new DeployFailedError(succeededWithFailures(info, outcome.failedInstances, what));
  throw new DeployFailedError(`${deploymentOutcome(info)}${first ? `. ${describeFailure(first)}` : ''}`);
}

/** Validates and uploads the bundle, or checks the revision to redeploy (the release uploads without deploying into an empty group). */
export async function prepareRevision(
  deps: DeployDeps,
  inputs: DeployInputs,
  outcome: DeployOutcome,
): Promise<S3Revision> {
  const { source } = inputs;
  if ('revision' in source) {
    const revision = await findRevision(deps.s3, source.revision);
    outcome.revision = s3Url(revision);
    deps.log(
      `Redeploying the existing revision ${outcome.revision} (${revision.bundleType}); nothing to upload.`,
    );
    return revision;
  }
  const bundle = await loadBundle(source.bundle);
  const hooks = validateAppSpec(bundle.appspec, bundle.files, `${source.bundle}/appspec.yml`);
  deps.log(
    `appspec.yml is valid: ${bundle.files.size} files, hooks ${hooks.map((h) => `${h.hook} (${h.location})`).join(', ') || 'none'}`,
  );
  const { revision, uploaded } = await uploadBundle(deps.s3, bundle, source.bucket, source.prefix);
  outcome.revision = s3Url(revision);
  outcome.uploaded = uploaded;
  deps.log(
    uploaded
      ? `Uploaded ${bundle.zip.length} bytes to ${outcome.revision}`
      : `${outcome.revision} already holds this bundle (same SHA-256); not uploading it again`,
  );
  return revision;
}
