import {
  AutoScalingClient,
  CancelInstanceRefreshCommand,
  DescribeInstanceRefreshesCommand,
  InstanceRefreshInProgressFault,
  StartInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  BatchGetDeploymentTargetsCommand,
  CodeDeployClient,
  CreateDeploymentCommand,
  type CreateDeploymentCommandInput,
  DeploymentGroupDoesNotExistException,
  DeploymentLimitExceededException,
  DeploymentNotStartedException,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListDeploymentsCommand,
  ListDeploymentTargetsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { LIFECYCLE_ORDER } from '@dealership/revision';
import { describe, expect, it } from 'vitest';
import { AutoScalingSim } from './autoscaling.js';
import { FakeClock } from './clock.js';
import { CodeDeploySim, VALIDATE_SERVICE_FAILS } from './codedeploy.js';
import { simulatedClient } from './plug.js';

function autoScaling(clock: FakeClock) {
  const sim = new AutoScalingSim(() => clock.now());
  return { sim, client: simulatedClient(AutoScalingClient, sim) };
}

function codeDeploy(clock: FakeClock) {
  const sim = new CodeDeploySim(() => clock.now());
  return { sim, client: simulatedClient(CodeDeployClient, sim) };
}

const start = new StartInstanceRefreshCommand({
  AutoScalingGroupName: 'dealership-web',
  DesiredConfiguration: { LaunchTemplate: { LaunchTemplateName: 'dealership', Version: '7' } },
  Preferences: { AutoRollback: true },
});

const s3Revision = {
  revisionType: 'S3' as const,
  s3Location: { bucket: 'b', key: 'k.zip', bundleType: 'zip' as const },
};

/** CreateDeployment of the simulated group's revision, with `extra` fields. */
const createDeployment = (extra: Partial<CreateDeploymentCommandInput> = {}) =>
  new CreateDeploymentCommand({
    applicationName: 'dealership',
    deploymentGroupName: 'dealership-web',
    revision: s3Revision,
    ...extra,
  });

describe('the Auto Scaling simulation', () => {
  it('serves a real SDK client a refresh that moves through its scripted steps as the clock advances', async () => {
    const clock = new FakeClock();
    const { client } = autoScaling(clock);
    const { InstanceRefreshId } = await client.send(start);
    const look = async () =>
      (await client.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'dealership-web' })))
        .InstanceRefreshes?.[0];

    expect((await look())?.Status).toBe('Pending');
    clock.advance(100_000);
    expect(await look()).toMatchObject({ InstanceRefreshId, Status: 'InProgress', PercentageComplete: 25 });
    clock.advance(200_000);
    const done = await look();
    expect(done).toMatchObject({ Status: 'Successful', PercentageComplete: 100 });
    expect(done?.EndTime?.getTime()).toBe(done!.StartTime!.getTime() + 300_000);
  });

  it('refuses a second refresh on a group with one in progress, as AWS does', async () => {
    const clock = new FakeClock();
    const { client } = autoScaling(clock);
    await client.send(start);
    await expect(client.send(start)).rejects.toBeInstanceOf(InstanceRefreshInProgressFault);
  });

  it('lets the SDK retry a throttling burst and records every attempt', async () => {
    const clock = new FakeClock();
    const { sim, client } = autoScaling(clock);
    sim.ledger.throttleNext(2);
    const result = await client.send(start);
    expect(result.InstanceRefreshId).toBeTruthy();
    expect(result.$metadata.attempts).toBe(3);
    expect(sim.ledger.calls.map((c) => c.throttled)).toEqual([true, true, false]);
  });

  it('cancels through Cancelling to Cancelled', async () => {
    const clock = new FakeClock();
    const { sim, client } = autoScaling(clock);
    await client.send(start);
    clock.advance(60_000);
    await client.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: 'dealership-web' }));
    const refresh = sim.refreshes[0]!;
    expect(sim.view(refresh).Status).toBe('Cancelling');
    clock.advance(20_000);
    expect(sim.view(refresh).Status).toBe('Cancelled');
  });
});

describe('the CodeDeploy simulation', () => {
  it('runs every lifecycle event on each instance, one instance at a time, to Succeeded', async () => {
    const clock = new FakeClock();
    const { client } = codeDeploy(clock);
    const { deploymentId } = await client.send(createDeployment());
    clock.advance(3_000 + 5_000 * LIFECYCLE_ORDER.length + 1);
    const targets = await client.send(
      new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: ['i-0aaa1111', 'i-0bbb2222'] }),
    );
    const [first, second] = (targets.deploymentTargets ?? []).map((t) => t.instanceTarget);
    expect(first?.status).toBe('Succeeded');
    expect(second?.status).toBe('InProgress');
    expect(second?.lifecycleEvents?.[0]?.status).toBe('InProgress');
    clock.advance(5_000 * LIFECYCLE_ORDER.length);
    const { deploymentInfo } = await client.send(new GetDeploymentCommand({ deploymentId }));
    expect(deploymentInfo?.status).toBe('Succeeded');
  });

  it('fails a deployment at ValidateService with the script diagnostics and rolls back automatically', async () => {
    const clock = new FakeClock();
    const { sim, client } = codeDeploy(clock);
    sim.script(VALIDATE_SERVICE_FAILS('i-0aaa1111'));
    const { deploymentId } = await client.send(
      createDeployment({ autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] } }),
    );
    clock.advance(600_000);
    const { deploymentInfo } = await client.send(new GetDeploymentCommand({ deploymentId }));
    expect(deploymentInfo).toMatchObject({
      status: 'Failed',
      errorInformation: { code: 'HEALTH_CONSTRAINTS' },
    });
    expect(deploymentInfo?.rollbackInfo?.rollbackDeploymentId).toBeTruthy();
    const targets = await client.send(
      new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: ['i-0aaa1111', 'i-0bbb2222'] }),
    );
    const [failed, skipped] = (targets.deploymentTargets ?? []).map((t) => t.instanceTarget);
    const event = failed?.lifecycleEvents?.find((e) => e.status === 'Failed');
    expect(event).toMatchObject({
      lifecycleEventName: 'ValidateService',
      diagnostics: { errorCode: 'ScriptFailed' },
    });
    expect(skipped?.status).toBe('Skipped');
  });

  it('answers DeploymentNotStartedException for the targets while the deployment is Created, then lists them', async () => {
    const clock = new FakeClock();
    const { sim, client } = codeDeploy(clock);
    sim.script({ queueSeconds: 20 });
    const { deploymentId } = await client.send(createDeployment());
    const list = new ListDeploymentTargetsCommand({ deploymentId });
    const batch = new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: ['i-0aaa1111'] });
    await expect(client.send(list)).rejects.toBeInstanceOf(DeploymentNotStartedException);
    await expect(client.send(batch)).rejects.toBeInstanceOf(DeploymentNotStartedException);
    expect((await client.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo?.status).toBe(
      'Created',
    );
    clock.advance(20_000);
    expect((await client.send(list)).targetIds).toEqual(['i-0aaa1111', 'i-0bbb2222']);
  });

  it('under OneAtATime counts a deployment whose LAST instance failed as Succeeded, and does not roll it back', async () => {
    const clock = new FakeClock();
    const { sim, client } = codeDeploy(clock);
    sim.script(VALIDATE_SERVICE_FAILS('i-0bbb2222'));
    const { deploymentId } = await client.send(
      createDeployment({ autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] } }),
    );
    clock.advance(600_000);
    const { deploymentInfo } = await client.send(new GetDeploymentCommand({ deploymentId }));
    expect(deploymentInfo).toMatchObject({
      status: 'Succeeded',
      deploymentOverview: { Succeeded: 1, Failed: 1 },
    });
    expect(deploymentInfo?.rollbackInfo).toBeUndefined();
    expect(sim.deployments).toHaveLength(1);
    const targets = await client.send(
      new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: ['i-0aaa1111', 'i-0bbb2222'] }),
    );
    expect((targets.deploymentTargets ?? []).map((t) => t.instanceTarget?.status)).toEqual([
      'Succeeded',
      'Failed',
    ]);
  });

  it('refuses a deployment configuration it does not model', async () => {
    const clock = new FakeClock();
    const { client } = codeDeploy(clock);
    await expect(
      client.send(
        new CreateDeploymentCommand({
          applicationName: 'dealership',
          deploymentGroupName: 'dealership-web',
          revision: s3Revision,
          deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
        }),
      ),
    ).rejects.toThrow('the CodeDeploy simulation runs CodeDeployDefault.OneAtATime only');
  });

  it('refuses a deployment while another is active and lists the active one', async () => {
    const clock = new FakeClock();
    const { sim, client } = codeDeploy(clock);
    const other = sim.seedDeployment('dealership', 'dealership-web', {});
    const create = new CreateDeploymentCommand({
      applicationName: 'dealership',
      deploymentGroupName: 'dealership-web',
      revision: s3Revision,
    });
    await expect(client.send(create)).rejects.toBeInstanceOf(DeploymentLimitExceededException);
    const active = await client.send(
      new ListDeploymentsCommand({
        applicationName: 'dealership',
        deploymentGroupName: 'dealership-web',
        includeOnlyStatuses: ['Created', 'Queued', 'InProgress', 'Ready'],
      }),
    );
    expect(active.deployments).toEqual([other]);
  });

  it('stops a deployment and reports Stopped', async () => {
    const clock = new FakeClock();
    const { client } = codeDeploy(clock);
    const { deploymentId } = await client.send(createDeployment());
    clock.advance(20_000);
    const stop = await client.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }));
    expect(stop.status).toBe('Pending');
    const { deploymentInfo } = await client.send(new GetDeploymentCommand({ deploymentId }));
    expect(deploymentInfo?.status).toBe('Stopped');
  });

  it('names the most recent successful deployment as the group’s lastSuccessfulDeployment, none before', async () => {
    const clock = new FakeClock();
    const { client } = codeDeploy(clock);
    const group = new GetDeploymentGroupCommand({
      applicationName: 'dealership',
      deploymentGroupName: 'dealership-web',
    });
    expect((await client.send(group)).deploymentGroupInfo?.lastSuccessfulDeployment).toBeUndefined();
    const first = await client.send(createDeployment());
    clock.advance(10 * 60_000);
    const second = await client.send(createDeployment());
    clock.advance(20_000); // the second is still in progress: the first is the last successful one
    expect((await client.send(group)).deploymentGroupInfo?.lastSuccessfulDeployment).toMatchObject({
      deploymentId: first.deploymentId,
      status: 'Succeeded',
    });
    clock.advance(10 * 60_000);
    expect((await client.send(group)).deploymentGroupInfo?.lastSuccessfulDeployment?.deploymentId).toBe(
      second.deploymentId,
    );
    await expect(
      client.send(new GetDeploymentGroupCommand({ applicationName: 'dealership', deploymentGroupName: 'x' })),
    ).rejects.toBeInstanceOf(DeploymentGroupDoesNotExistException);
  });
});

describe('both simulations', () => {
  it('throttle with the service’s own error name and refuse an operation they do not simulate', () => {
    const clock = new FakeClock();
    const services = [
      { sim: autoScaling(clock).sim, throttling: 'Throttling', name: 'Auto Scaling' },
      { sim: codeDeploy(clock).sim, throttling: 'ThrottlingException', name: 'CodeDeploy' },
    ];
    for (const { sim, throttling, name } of services) {
      sim.ledger.throttleNext(1);
      expect(() => sim.handle('DeleteEverything', {})).toThrow(
        expect.objectContaining({ name: throttling, message: 'Rate exceeded' }),
      );
      expect(() => sim.handle('DeleteEverything', {})).toThrow(
        `the ${name} simulation does not serve DeleteEverything`,
      );
      expect(sim.ledger.calls.map((c) => c.throttled)).toEqual([true, false]);
    }
  });
});
