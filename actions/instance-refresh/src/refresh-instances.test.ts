import {
  AutoScalingClient,
  CancelInstanceRefreshCommand,
  DescribeInstanceRefreshesCommand,
  type InstanceRefresh,
  InstanceRefreshInProgressFault,
  IrreversibleInstanceRefreshFault,
  RollbackInstanceRefreshCommand,
  StartInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../sim/clock.js';
import { refreshInputs } from '../../test-support/fixtures.js';
import type { RefreshInputs } from './inputs.js';
import { newOutcome, refreshInstances } from './refresh-instances.js';

const autoScalingMock = mockClient(AutoScalingClient);

const inputs: RefreshInputs = refreshInputs({
  launchTemplate: { LaunchTemplateId: 'lt-0123456789abcdef0', Version: '7' },
  timeoutMs: 600_000,
});

const ID = '08b91cf7-8fa6-48af-b6a6-d227f40f1b9b';
const started = new Date('2026-01-15T09:00:00Z');
const refresh = (
  status: InstanceRefresh['Status'],
  extra: Partial<InstanceRefresh> = {},
): InstanceRefresh => ({
  InstanceRefreshId: ID,
  AutoScalingGroupName: 'dealership-web',
  Status: status,
  StartTime: started,
  DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: 'lt-0123456789abcdef0', Version: '7' } },
  ...extra,
});

function run(overrides: Partial<RefreshInputs> = {}, signal = new AbortController().signal) {
  const lines: string[] = [];
  const outcome = newOutcome();
  const deps = {
    autoScaling: new AutoScalingClient({ region: 'eu-west-1' }),
    clock: new FakeClock(started.getTime()),
    signal,
    log: (line: string) => lines.push(line),
  };
  return { outcome, lines, promise: refreshInstances(deps, { ...inputs, ...overrides }, outcome) };
}

/** No refresh in the way, then the given statuses for our refresh, one per look. */
function scriptLooks(...statuses: InstanceRefresh[]) {
  const describe = autoScalingMock.on(DescribeInstanceRefreshesCommand);
  describe.resolvesOnce({ InstanceRefreshes: [] });
  for (const r of statuses) describe.resolvesOnce({ InstanceRefreshes: [r] });
  autoScalingMock.on(StartInstanceRefreshCommand).resolves({ InstanceRefreshId: ID });
}

beforeEach(() => autoScalingMock.reset());

describe('instance-refresh', () => {
  it('asks for a specific launch template version with the preferences it was given', async () => {
    scriptLooks(refresh('InProgress'), refresh('Successful', { EndTime: new Date('2026-01-15T09:05:00Z') }));
    const { promise, outcome } = run();
    await promise;
    expect(autoScalingMock.commandCalls(StartInstanceRefreshCommand)[0]!.args[0].input).toEqual({
      AutoScalingGroupName: 'dealership-web',
      Strategy: 'Rolling',
      DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: 'lt-0123456789abcdef0', Version: '7' } },
      Preferences: inputs.preferences,
    });
    expect(outcome).toMatchObject({ refreshId: ID, status: 'Successful', durationSeconds: 300 });
  });

  it.each([
    ['Failed', /failed: health checks failed/],
    ['Cancelled', /was cancelled: health checks failed/],
    ['RollbackSuccessful', /rolled back: the group is back on its previous configuration/],
    ['RollbackFailed', /failed to roll back: the group may run a mix of old and new instances/],
  ] as const)('fails the step when the refresh ends %s', async (status, message) => {
    scriptLooks(refresh('InProgress'), refresh(status, { StatusReason: 'health checks failed' }));
    const { promise, outcome } = run();
    await expect(promise).rejects.toThrow(message);
    expect(outcome.status).toBe(status);
  });

  it('keeps waiting through Pending, Baking, Cancelling and RollbackInProgress', async () => {
    scriptLooks(
      refresh('Pending'),
      refresh('Baking'),
      refresh('InProgress', { PercentageComplete: 50 }),
      refresh('RollbackInProgress'),
      refresh('Cancelling'),
      refresh('Cancelled'),
    );
    const { promise, outcome } = run();
    await expect(promise).rejects.toThrow(/was cancelled/);
    expect(outcome.timeline.map((e) => e.status)).toEqual([
      'Pending',
      'Baking',
      'InProgress',
      'RollbackInProgress',
      'Cancelling',
      'Cancelled',
    ]);
  });

  it('decides again when a refresh starts between its look and its start', async () => {
    autoScalingMock
      .on(DescribeInstanceRefreshesCommand)
      .resolvesOnce({ InstanceRefreshes: [] })
      .resolves({ InstanceRefreshes: [refresh('InProgress', { DesiredConfiguration: undefined })] });
    autoScalingMock
      .on(StartInstanceRefreshCommand)
      .rejects(
        new InstanceRefreshInProgressFault({ message: 'in progress', $metadata: { requestId: 'r-1' } }),
      );
    const { promise } = run();
    await expect(promise).rejects.toThrow(
      `already has instance refresh ${ID} (InProgress, started 2026-01-15T09:00:00.000Z, 0% done) rolling it to no specific launch template version`,
    );
  });

  it('cancels instead when AWS says the refresh cannot be rolled back', async () => {
    scriptLooks(refresh('InProgress'), refresh('Cancelling'));
    autoScalingMock
      .on(RollbackInstanceRefreshCommand)
      .rejects(
        new IrreversibleInstanceRefreshFault({ message: 'irreversible', $metadata: { requestId: 'r-2' } }),
      );
    autoScalingMock.on(CancelInstanceRefreshCommand).resolves({ InstanceRefreshId: ID });
    const controller = new AbortController();
    const { promise } = run({}, controller.signal);
    controller.abort(new Error('The run was cancelled (SIGTERM)'));
    await expect(promise).rejects.toThrow(
      /could not roll back \(IrreversibleInstanceRefreshFault: irreversible \(request id r-2\)\), so cancelled/,
    );
    expect(autoScalingMock.commandCalls(CancelInstanceRefreshCommand)).toHaveLength(1);
  });

  it('prints a heartbeat when nothing changes for a minute', async () => {
    const same = refresh('InProgress', { PercentageComplete: 25, InstancesToUpdate: 3 });
    scriptLooks(same, same, same, same, same, same, refresh('Successful'));
    const { promise, lines } = run();
    await promise;
    expect(lines.filter((l) => l.includes('InProgress 25%, 3 to update'))).toEqual([
      '[0s] InProgress 25%, 3 to update',
      expect.stringMatching(/^\[1m\d\ds\] InProgress 25%, 3 to update \(no change\)$/),
    ]);
  });
});
