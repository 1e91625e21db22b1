import {
  BatchGetDeploymentTargetsCommand,
  type CodeDeployClient,
  type DeploymentInfo,
  DeploymentNotStartedException,
  GetDeploymentCommand,
  type InstanceTarget,
  ListDeploymentTargetsCommand,
} from '@aws-sdk/client-codedeploy';
import { done, formatDuration, pending, poll, withinGap } from '../../lib/index.js';
import type { WaitContext } from './deployments.js';

/** Deployment statuses after which nothing changes any more. */
export const FINAL_STATUSES = new Set(['Succeeded', 'Failed', 'Stopped']);
const FINAL_TARGET = new Set(['Succeeded', 'Failed', 'Skipped']);
/** Without a reason to look sooner, GetDeployment is called this often (instance targets every poll). */
export const DEPLOYMENT_LOOK_MS = 120_000;
const BATCH = 25;

export interface DeploymentView {
  info: DeploymentInfo;
  targets: Map<string, InstanceTarget>;
}

/**
 * Follows a deployment to a final status and prints one line per lifecycle-event change on each
 * instance. Each poll reads the instances still moving (BatchGetDeploymentTargets); GetDeployment is
 * read when they all settle, when one fails, or every two minutes — so a one-at-a-time deployment
 * costs about seven calls a minute at the default 10 s while being noticed within one poll of finishing.
 */
export async function watchDeployment(context: WaitContext, deploymentId: string): Promise<DeploymentView> {
  const { codeDeploy, clock, log } = context;
  const started = clock.now();
  const say = (line: string) => log(`[${formatDuration(clock.now() - started)}] ${line}`);
  const targets = new Map<string, InstanceTarget>();
  let targetIds: string[] = [];
  let info: DeploymentInfo | undefined;
  // The first GetDeployment waits for a reason (targets settled or failed, none listed, or two minutes).
  let infoAt = clock.now();
  let lastStatus = '';
  const unsettled = () => targetIds.filter((id) => !FINAL_TARGET.has(targets.get(id)?.status ?? ''));
  /** Reads these instances, prints what changed, and says whether one of them failed. */
  const lookAt = async (ids: string[]) => {
    let failed = false;
    for (const target of await readTargets(codeDeploy, deploymentId, ids, context.signal)) {
      failed ||= target.status === 'Failed';
      for (const line of describeChanges(targets.get(target.targetId!), target)) say(line);
      targets.set(target.targetId!, target);
    }
    return failed;
  };

  return poll({
    what: `deployment ${deploymentId}`,
    ...withinGap(context.pollMs),
    timeoutMs: Math.max(0, context.deadline - clock.now()),
    signal: context.signal,
    clock,
    check: async () => {
      let started = true;
      let failedNow = false;
      try {
        if (targetIds.length === 0) targetIds = await listTargets(codeDeploy, deploymentId, context.signal);
        failedNow = await lookAt(unsettled());
      } catch (error) {
        // A deployment is Created for a few seconds before it starts, and its targets cannot be listed
        // or read until then (DeploymentNotStartedException; the `wait` row of actions/lib/aws-errors.ts).
        // Wait for it, and read the deployment meanwhile: one can end without ever starting.
        if (!(error instanceof DeploymentNotStartedException)) throw error;
        started = false;
      }
      if (!started || unsettled().length === 0 || failedNow || clock.now() - infoAt >= DEPLOYMENT_LOOK_MS) {
        const read = await codeDeploy.send(new GetDeploymentCommand({ deploymentId }), {
          abortSignal: context.signal,
        });
        info = read.deploymentInfo!;
        infoAt = clock.now();
        const overview = info.deploymentOverview ?? {};
        const total = Object.values(overview).reduce<number>((sum, n) => sum + (n ?? 0), 0);
        if (total > targetIds.length) targetIds = []; // instances joined (scale-out): list them again
      }
      if (!info) return pending(`${targetIds.length} instance(s) in progress`);
      const status = info.status ?? 'Unknown';
      if (status !== lastStatus)
        say(`deployment ${deploymentId} is ${status}${started ? '' : ' (not started yet)'}`);
      lastStatus = status;
      if (!FINAL_STATUSES.has(status)) return pending(started ? status : `${status}, not started yet`);
      // Instances still moving when the deployment ended settle with it (Skipped, Failed): one last look.
      if (started) await lookAt(unsettled());
      return done({ info, targets });
    },
  });
}

async function listTargets(
  codeDeploy: CodeDeployClient,
  deploymentId: string,
  abortSignal: AbortSignal,
): Promise<string[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await codeDeploy.send(new ListDeploymentTargetsCommand({ deploymentId, nextToken }), {
      abortSignal,
    });
    ids.push(...(page.targetIds ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return ids;
}

export async function readTargets(
  codeDeploy: CodeDeployClient,
  deploymentId: string,
  ids: string[],
  abortSignal?: AbortSignal,
): Promise<InstanceTarget[]> {
  const found: InstanceTarget[] = [];
  for (let i = 0; i < ids.length; i += BATCH) {
    const { deploymentTargets = [] } = await codeDeploy.send(
      new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: ids.slice(i, i + BATCH) }),
      { abortSignal },
    );
    for (const t of deploymentTargets) if (t.instanceTarget?.targetId) found.push(t.instanceTarget);
  }
  return found;
}

/** One line per lifecycle event that changed since the last look; skipped events folded into one line. */
export function describeChanges(before: InstanceTarget | undefined, after: InstanceTarget): string[] {
  const id = after.targetId;
  const was = new Map((before?.lifecycleEvents ?? []).map((e) => [e.lifecycleEventName, e.status]));
  const lines: string[] = [];
  const skipped: string[] = [];
  for (const event of after.lifecycleEvents ?? []) {
    if (event.status === was.get(event.lifecycleEventName) || event.status === 'Pending') continue;
    if (event.status === 'Skipped') {
      skipped.push(event.lifecycleEventName!);
      continue;
    }
    const ms = event.startTime && event.endTime ? event.endTime.getTime() - event.startTime.getTime() : 0;
    const took = ms >= 1000 ? ` (${formatDuration(ms)})` : '';
    lines.push(`${id} ${event.lifecycleEventName} ${event.status}${took}`);
  }
  if (skipped.length > 0) lines.push(`${id} skipped ${skipped.join(', ')}`);
  if (after.status !== before?.status && FINAL_TARGET.has(after.status ?? ''))
    lines.push(`${id} ${after.status}`);
  return lines;
}
