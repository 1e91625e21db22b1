import {
  type AutoScalingClient,
  DescribeInstanceRefreshesCommand,
  type InstanceRefresh,
  InstanceRefreshInProgressFault,
  StartInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import type { RefreshInputs, RefreshTemplate } from './inputs.js';
import { RUNNING } from './statuses.js';

export interface Started {
  refreshId: string;
  /** True when the action joined a refresh that was already rolling the group to the same version. */
  attached: boolean;
}

/** Statuses in which a refresh blocks a new one on the same group. */
const BLOCKING = new Set(['Pending', 'InProgress', 'Cancelling', 'RollbackInProgress', 'Baking']);

/** Another refresh holds the group and wants something else: the message names it and what to do. */
export class RefreshConflictError extends Error {
  override name = 'RefreshConflictError';
  constructor(
    readonly group: string,
    readonly refresh: InstanceRefresh,
  ) {
    const lt = refresh.DesiredConfiguration?.LaunchTemplate;
    const wants = lt
      ? `launch template ${lt.LaunchTemplateName ?? lt.LaunchTemplateId} version ${lt.Version ?? '(unset)'}`
      : 'no specific launch template version';
    super(
      `Auto Scaling group "${group}" already has instance refresh ${refresh.InstanceRefreshId} ` +
        `(${refresh.Status}, started ${refresh.StartTime?.toISOString() ?? 'at an unknown time'}, ` +
        `${refresh.PercentageComplete ?? 0}% done) rolling it to ${wants}. Wait for it to finish, or cancel it ` +
        `with "aws autoscaling cancel-instance-refresh --auto-scaling-group-name ${group}", then run again.`,
    );
  }
}

/**
 * Starts the refresh, or attaches to one already rolling the group to the same launch template
 * version (a re-run of the same workflow). Any other refresh in the way is a {@link RefreshConflictError}.
 */
export async function startOrAttach(autoScaling: AutoScalingClient, inputs: RefreshInputs): Promise<Started> {
  const blocking = await findBlocking(autoScaling, inputs.group);
  if (blocking) return attachOrRefuse(inputs, blocking);
  try {
    const started = await autoScaling.send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: inputs.group,
        Strategy: 'Rolling',
        DesiredConfiguration: {
          LaunchTemplate: inputs.launchTemplate,
        },
        Preferences: inputs.preferences,
      }),
    );
    return { refreshId: started.InstanceRefreshId!, attached: false };
  } catch (error) {
    // Somebody started one between our look and our start: decide as if we had seen it.
    if (!(error instanceof InstanceRefreshInProgressFault)) throw error;
    const raced = await findBlocking(autoScaling, inputs.group);
    if (!raced) throw error;
    return attachOrRefuse(inputs, raced);
  }
}

async function findBlocking(
  autoScaling: AutoScalingClient,
  group: string,
): Promise<InstanceRefresh | undefined> {
  const { InstanceRefreshes = [] } = await autoScaling.send(
    new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: group, MaxRecords: 10 }),
  );
  return InstanceRefreshes.find((r) => BLOCKING.has(r.Status ?? ''));
}

function attachOrRefuse(inputs: RefreshInputs, refresh: InstanceRefresh): Started {
  if (RUNNING.has(refresh.Status ?? '') && wantsSameVersion(refresh, inputs.launchTemplate)) {
    return { refreshId: refresh.InstanceRefreshId!, attached: true };
  }
  throw new RefreshConflictError(inputs.group, refresh);
}

/** The refresh rolls the group to exactly this launch template version (by id or by name). */
export function wantsSameVersion(refresh: InstanceRefresh, wanted: RefreshTemplate): boolean {
  const desired = refresh.DesiredConfiguration;
  const lt = desired?.LaunchTemplate;
  if (!lt || desired?.MixedInstancesPolicy) return false;
  const sameTemplate =
    'LaunchTemplateId' in wanted
      ? lt.LaunchTemplateId === wanted.LaunchTemplateId
      : lt.LaunchTemplateName === wanted.LaunchTemplateName;
  return sameTemplate && lt.Version === wanted.Version;
}
