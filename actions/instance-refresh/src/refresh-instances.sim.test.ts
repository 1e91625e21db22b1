import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { AutoScalingSim, FakeClock, type RefreshScenario, simulatedClient } from '../../sim/index.js';
import { refreshInputs } from '../../test-support/fixtures.js';
import type { RefreshInputs } from './inputs.js';
import { newOutcome, refreshInstances } from './refresh-instances.js';

// The real action logic and the real poller against the stateful simulation, on a fake clock.

const inputs: RefreshInputs = refreshInputs({});

function setUp(scenario?: RefreshScenario) {
  const clock = new FakeClock();
  const sim = new AutoScalingSim(() => clock.now());
  if (scenario) sim.script(scenario);
  const autoScaling = simulatedClient(AutoScalingClient, sim);
  const controller = new AbortController();
  const lines: string[] = [];
  const deps = { autoScaling, clock, signal: controller.signal, log: (line: string) => lines.push(line) };
  return { clock, sim, deps, controller, lines, outcome: newOutcome() };
}

const ALARM_ROLLBACK: RefreshScenario = {
  steps: [
    { afterSeconds: 0, status: 'Pending', instancesToUpdate: 4 },
    { afterSeconds: 30, status: 'InProgress', percentage: 25, instancesToUpdate: 3 },
    {
      afterSeconds: 120,
      status: 'RollbackInProgress',
      percentage: 25,
      statusReason: 'Alarm dealership-5xx is in ALARM state',
    },
    { afterSeconds: 240, status: 'RollbackSuccessful', percentage: 25, statusReason: 'Rollback completed' },
  ],
};

describe('instance-refresh against the simulation', () => {
  it('starts a refresh, prints a line per change and succeeds within one poll interval of AWS', async () => {
    const { deps, sim, lines, outcome } = setUp();
    await refreshInstances(deps, inputs, outcome);

    expect(outcome).toMatchObject({ status: 'Successful', attached: false, durationSeconds: 300 });
    expect(outcome.timeline.map((e) => e.status)).toEqual(['Pending', 'InProgress', 'Successful']);
    const refresh = sim.refreshes[0]!;
    expect(refresh.input.DesiredConfiguration?.LaunchTemplate).toEqual({
      LaunchTemplateName: 'dealership',
      Version: '7',
    });
    const noticed = sim.ledger.calls.at(-1)!.at;
    expect(noticed - (refresh.startedAt + 300_000)).toBeLessThanOrEqual(15_000);
    expect(lines.some((l) => l.includes('InProgress 50%, 2 to update'))).toBe(true);
    // One line per change plus heartbeats, not one per poll.
    expect(lines.length).toBeLessThan(sim.ledger.count('DescribeInstanceRefreshes'));
  });

  it('fails honestly when an alarm makes AWS roll the refresh back, even though the rollback succeeded', async () => {
    const { deps, outcome } = setUp(ALARM_ROLLBACK);
    await expect(refreshInstances(deps, inputs, outcome)).rejects.toThrow(
      /rolled back: the group is back on its previous configuration \(Alarm dealership-5xx is in ALARM state\)/,
    );
    expect(outcome.status).toBe('RollbackSuccessful');
    expect(outcome.timeline.map((e) => e.status)).toEqual([
      'Pending',
      'InProgress',
      'RollbackInProgress',
      'RollbackSuccessful',
    ]);
  });

  it('reports a Failed refresh with its reason', async () => {
    const { deps, outcome } = setUp({
      steps: [
        { afterSeconds: 0, status: 'InProgress' },
        { afterSeconds: 90, status: 'Failed', statusReason: 'Instances failed to pass health checks' },
      ],
    });
    await expect(refreshInstances(deps, inputs, outcome)).rejects.toThrow(
      /failed: Instances failed to pass health checks/,
    );
    expect(outcome.status).toBe('Failed');
  });

  it('rolls the refresh back when the runner cancels during the wait', async () => {
    const { deps, clock, sim, controller, outcome } = setUp();
    clock.after(95_000, () => controller.abort(new Error('The run was cancelled (SIGINT)')));
    await expect(refreshInstances(deps, inputs, outcome)).rejects.toThrow(
      /cancelled \(SIGINT\)\. The action asked AWS to roll back instance refresh .* it is now RollbackInProgress/,
    );
    expect(sim.ledger.count('RollbackInstanceRefresh')).toBe(1);
    expect(sim.view(sim.refreshes[0]!).Status).toBe('RollbackInProgress');
    expect(outcome.stopped).toMatch(/RollbackInstanceRefresh/);
  });

  it('cancels the refresh on timeout when on-cancel is cancel', async () => {
    const { deps, sim, outcome } = setUp();
    await expect(
      refreshInstances(deps, { ...inputs, timeoutMs: 120_000, onCancel: 'cancel' }, outcome),
    ).rejects.toThrow(
      /Timed out after 2m00s .* cancelled instance refresh .*CancelInstanceRefresh.* now Cancelling/,
    );
    expect(sim.ledger.count('CancelInstanceRefresh')).toBe(1);
    expect(outcome.status).toBe('Cancelling');
  });

  it('leaves the refresh running on cancel when on-cancel is none', async () => {
    const { deps, clock, sim, controller, outcome } = setUp();
    clock.after(30_000, () => controller.abort(new Error('cancelled')));
    await expect(refreshInstances(deps, { ...inputs, onCancel: 'none' }, outcome)).rejects.toThrow(
      /left instance refresh .* running \(on-cancel: none\)/,
    );
    expect(sim.ledger.count('CancelInstanceRefresh') + sim.ledger.count('RollbackInstanceRefresh')).toBe(0);
  });

  it('attaches to a refresh already rolling the group to the same version', async () => {
    const { deps, sim, outcome, lines } = setUp();
    const existing = sim.seedRefresh(
      'dealership-web',
      { DesiredConfiguration: { LaunchTemplate: { LaunchTemplateName: 'dealership', Version: '7' } } },
      {
        steps: [
          { afterSeconds: 0, status: 'InProgress' },
          { afterSeconds: 120, status: 'Successful' },
        ],
      },
    );
    await refreshInstances(deps, inputs, outcome);
    expect(outcome).toMatchObject({ refreshId: existing, attached: true, status: 'Successful' });
    expect(sim.ledger.count('StartInstanceRefresh')).toBe(0);
    expect(lines[0]).toMatch(/^Attached to instance refresh/);
  });

  it('names the refresh in the way when another version is being rolled out', async () => {
    const { deps, sim, outcome } = setUp();
    const other = sim.seedRefresh(
      'dealership-web',
      { DesiredConfiguration: { LaunchTemplate: { LaunchTemplateName: 'dealership', Version: '6' } } },
      SLOW,
    );
    await expect(refreshInstances(deps, inputs, outcome)).rejects.toThrow(
      new RegExp(
        `already has instance refresh ${other} \\(InProgress, started 2026-01-15T08:59:00.000Z.*version 6`,
      ),
    );
    expect(sim.ledger.count('StartInstanceRefresh')).toBe(0);
  });

  it('waits through a throttling burst: the SDK retries and the refresh still completes', async () => {
    const { deps, sim, clock, outcome } = setUp();
    clock.after(60_000, () => sim.ledger.throttleNext(1));
    await refreshInstances(deps, inputs, outcome);
    expect(outcome.status).toBe('Successful');
    expect(sim.ledger.calls.filter((c) => c.throttled)).toHaveLength(1);
  });

  it.each([
    ['Failed', /failed: health checks failed/],
    ['Cancelled', /was cancelled: health checks failed/],
    ['RollbackSuccessful', /rolled back: the group is back on its previous configuration/],
    ['RollbackFailed', /failed to roll back: the group may run a mix of old and new instances/],
  ] as const)('fails the step when the refresh ends %s', async (status, message) => {
    const { deps, outcome } = setUp({
      steps: [
        { afterSeconds: 0, status: 'InProgress', percentage: 0, instancesToUpdate: 2 },
        { afterSeconds: 60, status, percentage: 50, statusReason: 'health checks failed' },
      ],
    });
    await expect(refreshInstances(deps, inputs, outcome)).rejects.toThrow(message);
    expect(outcome.status).toBe(status);
  });

  it('keeps waiting through Pending, Baking, Cancelling and RollbackInProgress', async () => {
    const { deps, outcome } = setUp({
      steps: [
        { afterSeconds: 0, status: 'Pending', instancesToUpdate: 2 },
        { afterSeconds: 30, status: 'Baking', percentage: 0, instancesToUpdate: 2 },
        { afterSeconds: 60, status: 'InProgress', percentage: 50, instancesToUpdate: 1 },
        { afterSeconds: 90, status: 'RollbackInProgress', percentage: 50 },
        { afterSeconds: 120, status: 'Cancelling', percentage: 50 },
        { afterSeconds: 150, status: 'Cancelled', percentage: 50 },
      ],
    });
    await expect(refreshInstances(deps, inputs, outcome)).rejects.toThrow(/was cancelled/);
    expect(outcome.timeline.map((e) => e.status)).toEqual([
      'Pending',
      'Baking',
      'InProgress',
      'RollbackInProgress',
      'Cancelling',
      'Cancelled',
    ]);
  });

  it('prints a heartbeat when nothing changes for a minute', async () => {
    const { deps, lines, outcome } = setUp({
      steps: [
        { afterSeconds: 0, status: 'InProgress', percentage: 25, instancesToUpdate: 3 },
        { afterSeconds: 100, status: 'Successful', percentage: 100, instancesToUpdate: 0 },
      ],
    });
    await refreshInstances(deps, inputs, outcome);
    expect(lines.filter((l) => l.includes('InProgress 25%, 3 to update'))).toEqual([
      '[0s] InProgress 25%, 3 to update',
      expect.stringMatching(/^\[1m\d\ds\] InProgress 25%, 3 to update \(no change\)$/),
    ]);
  });
});

const SLOW: RefreshScenario = { steps: [{ afterSeconds: 0, status: 'InProgress', percentage: 40 }] };
