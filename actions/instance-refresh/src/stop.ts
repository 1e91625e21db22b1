import {
  ActiveInstanceRefreshNotFoundFault,
  type AutoScalingClient,
  CancelInstanceRefreshCommand,
  type InstanceRefreshStatus,
  IrreversibleInstanceRefreshFault,
  RollbackInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import { describeError } from '../../lib/index.js';
import type { OnCancel } from './inputs.js';
import { describeRefresh } from './watch.js';

/**
 * The runner gives a cancelled step ~7.5 s between SIGINT and SIGTERM (and kills it 2.5 s later):
 * each call the stop makes gets at most this long, retries included.
 */
export const STOP_CALL_DEADLINE_MS = 3_000;

export interface Stopped {
  /** What the action did, in words, for the log, the error and the summary. */
  action: string;
  /** The refresh's status right after, when it could be read. */
  status?: InstanceRefreshStatus;
}

/**
 * Does what `on-cancel` says to the refresh this run started or attached to: `rollback` asks AWS to
 * roll back (cancelling instead when AWS says it cannot), `cancel` cancels it, `none` leaves it running.
 */
export async function stopRefresh(
  autoScaling: AutoScalingClient,
  group: string,
  refreshId: string,
  onCancel: OnCancel,
): Promise<Stopped> {
  if (onCancel === 'none') {
    return { action: `left instance refresh ${refreshId} running (on-cancel: none)` };
  }
  const deadline = () => ({ abortSignal: AbortSignal.timeout(STOP_CALL_DEADLINE_MS) });
  let action: string;
  try {
    if (onCancel === 'rollback') {
      try {
        await autoScaling.send(
          new RollbackInstanceRefreshCommand({ AutoScalingGroupName: group }),
          deadline(),
        );
        action = `asked AWS to roll back instance refresh ${refreshId} (RollbackInstanceRefresh)`;
      } catch (error) {
        if (!(error instanceof IrreversibleInstanceRefreshFault)) throw error;
        await autoScaling.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: group }), deadline());
        action = `could not roll back (${describeError(error)}), so cancelled instance refresh ${refreshId} (CancelInstanceRefresh)`;
      }
    } else {
      await autoScaling.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: group }), deadline());
      action = `cancelled instance refresh ${refreshId} (CancelInstanceRefresh)`;
    }
  } catch (error) {
    if (!(error instanceof ActiveInstanceRefreshNotFoundFault)) {
      return {
        action: `tried to ${onCancel} instance refresh ${refreshId} and failed: ${describeError(error)}`,
      };
    }
    action = `found instance refresh ${refreshId} no longer active, so there was nothing to ${onCancel}`;
  }
  try {
    const refresh = await describeRefresh(autoScaling, group, refreshId, deadline().abortSignal);
    return { action, status: refresh.Status };
  } catch {
    return { action };
  }
}
