import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchGetDeploymentTargetsCommand,
  CodeDeployClient,
  CreateDeploymentCommand,
  DeploymentAlreadyCompletedException,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  ListDeploymentTargetsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { HeadObjectCommand, NotFound, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../sim/clock.js';
import { deployInputs } from '../../test-support/fixtures.js';
import { deploy, newOutcome } from './deploy.js';
import type { DeployInputs } from './inputs.js';

const codeDeployMock = mockClient(CodeDeployClient);
const s3Mock = mockClient(S3Client);

const inputs: DeployInputs = deployInputs();

function run(overrides: Partial<DeployInputs> = {}, signal = new AbortController().signal) {
  const lines: string[] = [];
  const outcome = newOutcome();
  const deps = {
    codeDeploy: new CodeDeployClient({ region: 'eu-west-1' }),
    s3: new S3Client({ region: 'eu-west-1' }),
    clock: new FakeClock(Date.UTC(2026, 0, 15, 9)),
    signal,
    log: (line: string) => lines.push(line),
  };
  return { lines, outcome, promise: deploy(deps, { ...inputs, ...overrides }, outcome) };
}

/** A cancel signal that the runner fires right after the deployment is created. */
function cancelOnceCreated(): AbortSignal {
  const controller = new AbortController();
  codeDeployMock.on(CreateDeploymentCommand).callsFake(() => {
    controller.abort(new Error('The run was cancelled (SIGTERM)'));
    return { deploymentId: 'd-TEST00001' };
  });
  return controller.signal;
}

beforeEach(() => {
  codeDeployMock.reset();
  s3Mock.reset();
  s3Mock.on(HeadObjectCommand).resolves({ ETag: '"5d41402abc4b2a76b9719d911017c592"' });
  codeDeployMock.on(ListDeploymentsCommand).resolves({ deployments: [] });
  codeDeployMock.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-TEST00001' });
  codeDeployMock.on(ListDeploymentTargetsCommand).resolves({ targetIds: ['i-0aaa1111'] });
});

describe('codedeploy-deploy', () => {
  it('redeploys an existing revision pinned to its ETag, without uploading', async () => {
    codeDeployMock.on(BatchGetDeploymentTargetsCommand).resolves({
      deploymentTargets: [
        { instanceTarget: { targetId: 'i-0aaa1111', status: 'Succeeded', lifecycleEvents: [] } },
      ],
    });
    codeDeployMock
      .on(GetDeploymentCommand)
      .resolves({ deploymentInfo: { deploymentId: 'd-TEST00001', status: 'Succeeded' } });
    const { promise, outcome } = run({ description: 'rollback to abc' });
    await promise;
    expect(codeDeployMock.commandCalls(CreateDeploymentCommand)[0]!.args[0].input).toEqual({
      applicationName: 'dealership',
      deploymentGroupName: 'dealership-web',
      revision: {
        revisionType: 'S3',
        s3Location: {
          bucket: 'dealership-revisions',
          key: 'dealership/abc.zip',
          bundleType: 'zip',
          eTag: '5d41402abc4b2a76b9719d911017c592',
        },
      },
      description: 'rollback to abc',
      fileExistsBehavior: 'OVERWRITE',
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
    });
    expect(outcome).toMatchObject({ deploymentId: 'd-TEST00001', status: 'Succeeded' });
  });

  it('names the revision input when the object is not in S3', async () => {
    s3Mock
      .on(HeadObjectCommand)
      .rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
    await expect(run().promise).rejects.toThrow(
      'Input "revision" names no object in S3 (HeadObject found nothing); got "s3://dealership-revisions/dealership/abc.zip".',
    );
    expect(codeDeployMock.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
  });

  it('returns as soon as the deployment is created when wait is false', async () => {
    const { promise, outcome } = run({ wait: false });
    await promise;
    expect(outcome.status).toBe('Created');
    expect(codeDeployMock.commandCalls(GetDeploymentCommand)).toHaveLength(0);
  });

  it('reports the failing hook with its script, error code, message and log tail', async () => {
    codeDeployMock.on(BatchGetDeploymentTargetsCommand).resolves({
      deploymentTargets: [
        {
          instanceTarget: {
            targetId: 'i-0aaa1111',
            status: 'Failed',
            lifecycleEvents: [
              { lifecycleEventName: 'AfterInstall', status: 'Succeeded' },
              {
                lifecycleEventName: 'AfterInstall',
                status: 'Failed',
                diagnostics: {
                  errorCode: 'ScriptTimedOut',
                  scriptName: 'deploy/hooks/migrate.sh',
                  message:
                    'Script at specified location: deploy/hooks/migrate.sh failed to complete in 300 seconds',
                  logTail: '[stdout]migrating 20260101-cars\n',
                },
              },
            ],
          },
        },
      ],
    });
    codeDeployMock.on(GetDeploymentCommand).resolves({
      deploymentInfo: {
        deploymentId: 'd-TEST00001',
        status: 'Failed',
        errorInformation: { code: 'HEALTH_CONSTRAINTS', message: 'too many failed' },
      },
    });
    const { promise, lines, outcome } = run();
    await expect(promise).rejects.toThrow(
      'Deployment d-TEST00001 Failed (HEALTH_CONSTRAINTS: too many failed). i-0aaa1111 failed at AfterInstall: ScriptTimedOut in deploy/hooks/migrate.sh — Script at specified location: deploy/hooks/migrate.sh failed to complete in 300 seconds',
    );
    expect(lines).toContain(
      'i-0aaa1111 failed at AfterInstall: ScriptTimedOut in deploy/hooks/migrate.sh — Script at specified location: deploy/hooks/migrate.sh failed to complete in 300 seconds\n  log tail:\n    [stdout]migrating 20260101-cars',
    );
    expect(outcome.failures).toHaveLength(1);
  });

  it('says so when the deployment had already finished as it tried to stop it', async () => {
    codeDeployMock.on(BatchGetDeploymentTargetsCommand).resolves({
      deploymentTargets: [{ instanceTarget: { targetId: 'i-0aaa1111', status: 'InProgress' } }],
    });
    codeDeployMock.on(GetDeploymentCommand).resolves({ deploymentInfo: { status: 'Succeeded' } });
    codeDeployMock
      .on(StopDeploymentCommand)
      .rejects(new DeploymentAlreadyCompletedException({ message: 'done', $metadata: {} }));
    const { promise, outcome } = run({}, cancelOnceCreated());
    await expect(promise).rejects.toThrow(
      /found deployment d-TEST00001 already finished, so there was nothing to stop/,
    );
    expect(outcome.status).toBe('Succeeded');
  });

  it('leaves the deployment running on cancel when on-cancel is none', async () => {
    codeDeployMock.on(BatchGetDeploymentTargetsCommand).resolves({ deploymentTargets: [] });
    codeDeployMock.on(GetDeploymentCommand).resolves({ deploymentInfo: { status: 'InProgress' } });
    const { promise } = run({ onCancel: 'none' }, cancelOnceCreated());
    await expect(promise).rejects.toThrow(/left deployment d-TEST00001 running \(on-cancel: none\)/);
    expect(codeDeployMock.commandCalls(StopDeploymentCommand)).toHaveLength(0);
  });

  it('refuses an invalid appspec before uploading anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-revision-'));
    mkdirSync(join(dir, 'hooks'));
    writeFileSync(
      join(dir, 'appspec.yml'),
      'version: 0.0\nos: linux\nhooks:\n  ValidateService:\n    - location: hooks/nope.sh\n',
    );
    const { promise } = run({
      source: { bundle: dir, bucket: 'dealership-revisions', prefix: 'dealership' },
    });
    await expect(promise).rejects.toThrow(
      `${dir}/appspec.yml is not a valid appspec:\n  - hooks.ValidateService[0].location: "hooks/nope.sh" is not in the bundle`,
    );
    expect(s3Mock.calls()).toHaveLength(0);
    expect(codeDeployMock.calls()).toHaveLength(0);
  });
});
