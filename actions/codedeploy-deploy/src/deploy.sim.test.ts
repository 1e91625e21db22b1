import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { CreateBucketCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { type MotoServer, startMoto } from '@dealership/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodeDeploySim, FakeClock, simulatedClient, VALIDATE_SERVICE_FAILS } from '../../sim/index.js';
import { makeRevisionFolder } from '../../test-support/revision.js';
import { deploy, newOutcome } from './deploy.js';
import type { DeployInputs } from './inputs.js';

// The real action logic and the real poller: CodeDeploy from the simulation on a fake clock, S3 from moto.

let moto: MotoServer;
let s3: S3Client;
const BUCKET = 'dealership-revisions';

beforeAll(async () => {
  moto = await startMoto();
  s3 = new S3Client({ ...moto.clientConfig, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => moto?.stop());

function setUp(overrides: Partial<DeployInputs> = {}) {
  const clock = new FakeClock();
  const sim = new CodeDeploySim(() => clock.now());
  const codeDeploy = simulatedClient(CodeDeployClient, sim);
  const controller = new AbortController();
  const lines: string[] = [];
  const inputs: DeployInputs = {
    region: 'eu-west-1',
    application: 'dealership',
    group: 'dealership-web',
    source: { bundle: makeRevisionFolder(), bucket: BUCKET, prefix: 'dealership' },
    description: 'test',
    fileExistsBehavior: 'OVERWRITE',
    wait: true,
    timeoutMs: 30 * 60_000,
    pollMs: 10_000,
    onCancel: 'stop',
    ...overrides,
  };
  const deps = { codeDeploy, s3, clock, signal: controller.signal, log: (line: string) => lines.push(line) };
  return { clock, sim, deps, inputs, controller, lines, outcome: newOutcome() };
}

describe('codedeploy-deploy against the simulation and moto S3', () => {
  it('uploads under the SHA-256, deploys with rollback on failure, and follows every lifecycle event', async () => {
    const { deps, inputs, sim, lines, outcome } = setUp();
    await deploy(deps, inputs, outcome);

    expect(outcome).toMatchObject({ status: 'Succeeded', uploaded: true });
    expect(outcome.revision).toMatch(new RegExp(`^s3://${BUCKET}/dealership/[0-9a-f]{64}\\.zip$`));
    const created = sim.deployments[0]!.input;
    expect(created).toMatchObject({
      fileExistsBehavior: 'OVERWRITE',
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
      revision: { revisionType: 'S3', s3Location: { bucket: BUCKET, bundleType: 'zip' } },
    });
    expect(created.revision?.s3Location?.eTag).toBeTruthy();
    expect(lines.filter((l) => / i-0aaa1111 \w+ Succeeded/.test(l)).length).toBeGreaterThan(5);
    expect(lines.some((l) => l.includes('i-0bbb2222 AfterAllowTraffic Succeeded'))).toBe(true);
    const end = sim.info(sim.deployments[0]!).completeTime!.getTime();
    expect(sim.ledger.calls.at(-1)!.at - end).toBeLessThanOrEqual(10_000);
  });

  it('does not upload the same bundle twice', async () => {
    const first = setUp();
    await deploy(first.deps, first.inputs, first.outcome);
    const second = setUp({ source: first.inputs.source });
    await deploy(second.deps, second.inputs, second.outcome);
    expect(second.outcome).toMatchObject({ uploaded: false, revision: first.outcome.revision });
    expect(second.lines.some((l) => l.includes('already holds this bundle'))).toBe(true);
  });

  it('prints the failing hook’s diagnostics and log tail when ValidateService fails', async () => {
    const { deps, inputs, sim, lines, outcome } = setUp();
    sim.script(VALIDATE_SERVICE_FAILS('i-0aaa1111'));
    await expect(deploy(deps, inputs, outcome)).rejects.toThrow(
      /Deployment d-SIM000001 Failed \(HEALTH_CONSTRAINTS: .*\); CodeDeploy is rolling back with deployment d-SIM000002\. i-0aaa1111 failed at ValidateService: ScriptFailed in deploy\/hooks\/validate-service\.sh — Script at specified location/,
    );
    expect(outcome.status).toBe('Failed');
    expect(lines.join('\n')).toContain(
      'log tail:\n    [stdout]waiting for http://127.0.0.1:3000/health/ready\n    [stderr]curl: (7) Failed to connect',
    );
    expect(lines.some((l) => l.includes('i-0bbb2222 skipped BeforeBlockTraffic'))).toBe(true);
  });

  it('waits while its deployment is still Created (DeploymentNotStartedException) and then follows it', async () => {
    const { deps, inputs, sim, lines, outcome } = setUp();
    sim.script({ queueSeconds: 45 });
    await deploy(deps, inputs, outcome);
    expect(outcome.status).toBe('Succeeded');
    expect(lines.some((l) => l.includes('deployment d-SIM000001 is Created (not started yet)'))).toBe(true);
    // Listed in every poll while Created (each answered DeploymentNotStartedException), then once more.
    expect(sim.ledger.count('ListDeploymentTargets')).toBeGreaterThanOrEqual(5);
    expect(lines.some((l) => l.includes('i-0bbb2222 AfterAllowTraffic Succeeded'))).toBe(true);
  });

  it('fails when the last instance failed though CodeDeploy counts the deployment Succeeded, then a fixed deploy passes', async () => {
    const { deps, inputs, sim, lines, outcome } = setUp();
    sim.script(VALIDATE_SERVICE_FAILS('i-0bbb2222'));
    await expect(deploy(deps, inputs, outcome)).rejects.toThrow(
      /Deployment d-SIM000001 ended Succeeded by CodeDeploy's count \(CodeDeployDefault\.OneAtATime kept its minimum healthy hosts\), but 1 instance\(s\) failed: i-0bbb2222 failed at ValidateService: ScriptFailed in deploy\/hooks\/validate-service\.sh .*CodeDeploy did not roll back, so i-0bbb2222 is out of the load balancer/,
    );
    expect(outcome).toMatchObject({ status: 'Succeeded', failedInstances: ['i-0bbb2222'] });
    expect(lines.join('\n')).toContain(
      'log tail:\n    [stdout]waiting for http://127.0.0.1:3000/health/ready',
    );
    expect(sim.deployments).toHaveLength(1); // no automatic rollback: CodeDeploy saw no failure

    // The next run (the cause fixed) deploys to both instances and passes.
    const next = newOutcome();
    await deploy(deps, inputs, next);
    expect(next).toMatchObject({ status: 'Succeeded', failedInstances: [] });
    const targets = [...next.view!.targets.values()].map((t) => [t.targetId, t.status]);
    expect(targets).toEqual([
      ['i-0aaa1111', 'Succeeded'],
      ['i-0bbb2222', 'Succeeded'],
    ]);
  });

  it('waits for the deployment already active in the group before creating its own', async () => {
    const { deps, inputs, sim, lines, outcome } = setUp();
    const other = sim.seedDeployment('dealership', 'dealership-web', {});
    await deploy(deps, inputs, outcome);
    expect(lines.some((l) => l.includes(`busy with deployment ${other} (InProgress`))).toBe(true);
    const ours = sim.deployment(outcome.deploymentId!)!;
    expect(ours.createdAt).toBeGreaterThanOrEqual(sim.info(sim.deployment(other)!).completeTime!.getTime());
    expect(outcome.status).toBe('Succeeded');
  });

  it('stops its deployment with auto-rollback when the runner cancels during the wait, and says so', async () => {
    const { deps, inputs, sim, clock, controller, outcome } = setUp();
    clock.after(45_000, () => controller.abort(new Error('The run was cancelled (SIGINT)')));
    await expect(deploy(deps, inputs, outcome)).rejects.toThrow(
      /cancelled \(SIGINT\)\. The action stopped deployment d-SIM000001 \(StopDeployment with autoRollbackEnabled\): CodeDeploy rolls the instances it already reached back/,
    );
    expect(sim.ledger.calls.find((c) => c.operation === 'StopDeployment')?.input).toEqual({
      deploymentId: 'd-SIM000001',
      autoRollbackEnabled: true,
    });
    expect(outcome.status).toBe('Stopped');
  });

  it('stops its deployment on timeout', async () => {
    const { deps, inputs, sim, outcome } = setUp({ timeoutMs: 60_000 });
    await expect(deploy(deps, inputs, outcome)).rejects.toThrow(
      /Timed out after 1m00s .* stopped deployment/,
    );
    expect(sim.ledger.count('StopDeployment')).toBe(1);
  });

  it('never stops the other deployment it was waiting for', async () => {
    const { deps, inputs, sim, clock, controller } = setUp();
    sim.seedDeployment('dealership', 'dealership-web', { eventSeconds: 60 });
    clock.after(30_000, () => controller.abort(new Error('cancelled')));
    await expect(deploy(deps, inputs, newOutcome())).rejects.toThrow(
      /Stopped waiting for the other deployment/,
    );
    expect(sim.ledger.count('StopDeployment')).toBe(0);
    expect(sim.ledger.count('CreateDeployment')).toBe(0);
  });

  it('redeploys an existing revision without uploading, the bundle type taken from its extension', async () => {
    const first = setUp();
    await deploy(first.deps, first.inputs, first.outcome);
    const [bucket, ...key] = first.outcome.revision!.slice('s3://'.length).split('/');
    const { deps, inputs, sim, outcome } = setUp({
      source: { revision: { bucket: bucket!, key: key.join('/'), bundleType: 'zip' } },
    });
    await deploy(deps, inputs, outcome);
    expect(outcome).toMatchObject({ status: 'Succeeded', revision: first.outcome.revision });
    expect(outcome.uploaded).toBeUndefined();
    const { ETag } = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key.join('/') }));
    // Pinned to the object as it is now (HeadObject's ETag, quotes removed), so a rewrite cannot slip in.
    expect(sim.deployments[0]!.input.revision?.s3Location).toEqual({
      bucket,
      key: key.join('/'),
      bundleType: 'zip',
      eTag: ETag!.replaceAll('"', ''),
    });
  });

  it('returns as soon as the deployment is created when wait is false', async () => {
    const { deps, inputs, sim, outcome } = setUp({ wait: false });
    await deploy(deps, inputs, outcome);
    expect(outcome.status).toBe('Created');
    expect(sim.ledger.count('GetDeployment')).toBe(0);
  });

  it('leaves its deployment running on cancel when on-cancel is none', async () => {
    const { deps, inputs, sim, clock, controller, outcome } = setUp({ onCancel: 'none' });
    clock.after(45_000, () => controller.abort(new Error('The run was cancelled (SIGTERM)')));
    await expect(deploy(deps, inputs, outcome)).rejects.toThrow(
      /left deployment d-SIM000001 running \(on-cancel: none\)/,
    );
    expect(sim.ledger.count('StopDeployment')).toBe(0);
  });

  it('refuses an invalid appspec before uploading or deploying anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-revision-'));
    mkdirSync(join(dir, 'hooks'));
    writeFileSync(
      join(dir, 'appspec.yml'),
      'version: 0.0\nos: linux\nhooks:\n  ValidateService:\n    - location: hooks/nope.sh\n',
    );
    const { deps, inputs, sim, outcome } = setUp({
      source: { bundle: dir, bucket: BUCKET, prefix: 'invalid' },
    });
    await expect(deploy(deps, inputs, outcome)).rejects.toThrow(
      `${dir}/appspec.yml is not a valid appspec:\n  - hooks.ValidateService[0].location: "hooks/nope.sh" is not in the bundle`,
    );
    expect(sim.ledger.calls).toEqual([]);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'invalid/' }));
    expect(listed.KeyCount).toBe(0);
  });

  it('keeps within eight API calls a minute while it follows a deployment', async () => {
    const { deps, inputs, sim, outcome } = setUp();
    sim.script({ eventSeconds: 30 });
    await deploy(deps, inputs, outcome);
    const calls = sim.ledger.calls.filter(
      (c) => c.operation !== 'CreateDeployment' && c.operation !== 'ListDeployments',
    );
    const minutes = (calls.at(-1)!.at - calls[0]!.at) / 60_000;
    expect(calls.length / minutes).toBeLessThanOrEqual(8);
  });

  it('rides out a throttling burst: the SDK backs off and the deployment is still followed to the end', async () => {
    const { deps, inputs, sim, clock, outcome } = setUp();
    clock.after(30_000, () => sim.ledger.throttleNext(1));
    await deploy(deps, inputs, outcome);
    expect(outcome.status).toBe('Succeeded');
    expect(sim.ledger.calls.filter((c) => c.throttled)).toHaveLength(1);
  });
});
