import { AutoScalingClient, DescribeInstanceRefreshesCommand } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { AutoScalingSim, type RefreshScenario, serveSimulation } from '../../sim/index.js';
import { runBuiltAction, startBuiltAction } from '../../test-support/run-action.js';

// The built bundle as a real process against the Auto Scaling simulation over HTTP, in real time.

const env = (endpoint: string) => ({
  AWS_ENDPOINT_URL_AUTO_SCALING: endpoint,
  AWS_ACCESS_KEY_ID: 'AKIDSIMULATION',
  AWS_SECRET_ACCESS_KEY: 'simulation',
  AWS_REGION: 'eu-west-1',
  AWS_EC2_METADATA_DISABLED: 'true',
});

const clientConfig = {
  region: 'eu-west-1',
  credentials: { accessKeyId: 'AKIDSIMULATION', secretAccessKey: 'simulation' },
};

const inputs = {
  'auto-scaling-group': 'dealership-web',
  'launch-template': 'dealership',
  'launch-template-version': '7',
  'poll-seconds': '1',
};

async function simulate(scenario: RefreshScenario) {
  const sim = new AutoScalingSim(() => Date.now()).script(scenario);
  const server = await serveSimulation({ autoScaling: sim });
  return { sim, server };
}

describe('the built instance-refresh action', () => {
  it('runs a refresh to Successful and sets its outputs and timeline summary', async () => {
    const { sim, server } = await simulate({
      steps: [
        { afterSeconds: 0, status: 'Pending', instancesToUpdate: 2 },
        { afterSeconds: 0.5, status: 'InProgress', percentage: 50, instancesToUpdate: 1 },
        { afterSeconds: 1.8, status: 'Successful', percentage: 100, instancesToUpdate: 0 },
      ],
    });
    try {
      const run = await runBuiltAction('instance-refresh', { inputs, env: env(server.endpoint) });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.outputs).toMatchObject({ 'refresh-id': sim.refreshes[0]!.id, status: 'Successful' });
      expect(Number(run.outputs['duration-seconds'])).toBeGreaterThanOrEqual(1);
      // What AWS now holds for the group: the refresh the action asked for, as DescribeInstanceRefreshes tells it.
      const autoScaling = new AutoScalingClient({ ...clientConfig, endpoint: server.endpoint });
      const { InstanceRefreshes = [] } = await autoScaling.send(
        new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'dealership-web' }),
      );
      autoScaling.destroy();
      expect(InstanceRefreshes).toMatchObject([
        {
          InstanceRefreshId: run.outputs['refresh-id'],
          Status: 'Successful',
          DesiredConfiguration: { LaunchTemplate: { LaunchTemplateName: 'dealership', Version: '7' } },
          Preferences: {
            MinHealthyPercentage: 100,
            MaxHealthyPercentage: 200,
            AutoRollback: true,
            SkipMatching: true,
          },
        },
      ]);
      expect(run.summary).toContain('#### Timeline');
      expect(run.summary).toMatch(/\| InProgress \| 50% \| 1 \|/);
    } finally {
      await server.close();
    }
  });

  it('rolls the refresh back when the runner sends SIGTERM during the wait', async () => {
    const { sim, server } = await simulate({
      steps: [{ afterSeconds: 0, status: 'InProgress', percentage: 10 }],
    });
    try {
      const { child, result } = startBuiltAction('instance-refresh', { inputs, env: env(server.endpoint) });
      while (sim.ledger.count('DescribeInstanceRefreshes') < 2) await new Promise((r) => setTimeout(r, 50));
      child.kill('SIGTERM');
      const run = await result;
      expect(run.code).toBe(1);
      expect(sim.ledger.count('RollbackInstanceRefresh')).toBe(1);
      expect(run.outputs).toMatchObject({ 'refresh-id': sim.refreshes[0]!.id, status: 'RollbackInProgress' });
      expect(run.stdout).toMatch(/asked AWS to roll back instance refresh .* it is now RollbackInProgress/);
    } finally {
      await server.close();
    }
  });
});
