import type { InstanceRefresh } from '@aws-sdk/client-auto-scaling';

/**
 * What each instance refresh status means for the action. Only Successful is a success; a refresh
 * that rolled back (even successfully) did not ship the new configuration, so it fails the step.
 */
export type Verdict =
  | { kind: 'waiting' }
  | { kind: 'succeeded'; message: string }
  | { kind: 'failed'; message: string };

/** Pending/InProgress/Baking: a refresh that is still moving towards its desired configuration. */
export const RUNNING = new Set(['Pending', 'InProgress', 'Baking']);

export function verdict(refresh: InstanceRefresh): Verdict {
  const status = refresh.Status ?? 'Unknown';
  const reason = refresh.StatusReason ? `: ${refresh.StatusReason}` : '';
  const id = refresh.InstanceRefreshId;
  const rollbackReason = refresh.RollbackDetails?.RollbackReason;
  switch (status) {
    case 'Successful':
      return { kind: 'succeeded', message: `Instance refresh ${id} replaced every instance${reason}` };
    case 'Failed':
      return { kind: 'failed', message: `Instance refresh ${id} failed${reason}` };
    case 'Cancelled':
      return { kind: 'failed', message: `Instance refresh ${id} was cancelled${reason}` };
    case 'RollbackSuccessful':
      return {
        kind: 'failed',
        message: `Instance refresh ${id} rolled back: the group is back on its previous configuration${
          rollbackReason ? ` (${rollbackReason})` : reason
        }`,
      };
    case 'RollbackFailed':
      return {
        kind: 'failed',
        message: `Instance refresh ${id} failed to roll back: the group may run a mix of old and new instances${reason}`,
      };
    default:
      // Pending, InProgress, Cancelling, RollbackInProgress, Baking, and any status AWS adds later:
      // keep looking rather than report an outcome that has not happened.
      return { kind: 'waiting' };
  }
}
