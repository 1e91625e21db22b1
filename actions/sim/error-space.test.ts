/**
 * Every row of AWS_ERRORS, tested against the real code: for each (operation, error) the simulation
 * makes the operation answer that very error (the installed SDK's own exception, see faults.ts), runs
 * every caller that makes the call (a "driver" below), and checks the row's decision:
 * - wait: the error is answered for 40 s of simulated time; the caller waits it out and succeeds;
 * - retry: answered once; the SDK's retry strategy calls again and the caller never sees it;
 * - fail: answered once; the caller fails (or warns, where the row's caller only reports), and what
 *   it says carries the row's advice;
 * - handle: a check of its own below (HANDLED), or the test fails naming the row.
 * An operation in the table with no driver fails the test too: adding a call means adding a driver.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as autoScalingSdk from '@aws-sdk/client-auto-scaling';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import * as codeDeploySdk from '@aws-sdk/client-codedeploy';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import * as ec2Sdk from '@aws-sdk/client-ec2';
import { EC2Client, type Image } from '@aws-sdk/client-ec2';
import * as elbSdk from '@aws-sdk/client-elastic-load-balancing-v2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import * as s3Sdk from '@aws-sdk/client-s3';
import { S3Client } from '@aws-sdk/client-s3';
import * as ssmSdk from '@aws-sdk/client-ssm';
import { SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it, vi } from 'vitest';
import { bake } from '../bake-ami/src/bake.js';
import { loadBundle } from '../codedeploy-deploy/src/bundle.js';
import { deploy, newOutcome } from '../codedeploy-deploy/src/deploy.js';
import type { DeployInputs } from '../codedeploy-deploy/src/inputs.js';
import { makeRevisionFolder } from '../codedeploy-deploy/src/revision-fixture.js';
import { findRevision, uploadBundle } from '../codedeploy-deploy/src/upload.js';
import { gatherPlan } from '../deploy-plan/src/plan.js';
import type { RefreshInputs } from '../instance-refresh/src/inputs.js';
import {
  newOutcome as newRefreshOutcome,
  refreshInstances,
} from '../instance-refresh/src/refresh-instances.js';
import { ANY_OTHER, AWS_CLIENTS, AWS_ERRORS, type Decision } from '../lib/aws-errors.js';
import { describeError } from '../lib/errors.js';
import { rollLaunchTemplate } from '../roll-launch-template/src/roll.js';
import { deployInputs, refreshInputs } from '../test-support/fixtures.js';
import { AutoScalingSim } from './autoscaling.js';
import { metadata } from './calls.js';
import { FakeClock } from './clock.js';
import { CodeDeploySim } from './codedeploy.js';
import { awsError, type Fault, type FaultLog, injectFaults, type SdkModule } from './faults.js';
import { type SimulatedService, simulatedClient } from './plug.js';

const SDK: Record<string, SdkModule> = {
  autoscaling: autoScalingSdk,
  codedeploy: codeDeploySdk,
  ec2: ec2Sdk,
  elasticloadbalancing: elbSdk,
  s3: s3Sdk,
  ssm: ssmSdk,
};
const BASE: Record<string, string> = {
  autoscaling: 'AutoScalingServiceException',
  codedeploy: 'CodeDeployServiceException',
  ec2: 'EC2ServiceException',
  elasticloadbalancing: 'ElasticLoadBalancingV2ServiceException',
  s3: 'S3ServiceException',
  ssm: 'SSMServiceException',
};

/** The error a row stands for, as the SDK would hand it to the code. */
function errorFor(operation: string, key: string): Error {
  const service = operation.split(':')[0]!;
  const sdk = SDK[service]!;
  if (`${key}$` in sdk) return awsError(sdk, key, `${key} (simulated)`, key === 'NotFound' ? 404 : undefined);
  const Base = sdk[BASE[service]!] as new (options: object) => Error;
  // Not in the model: `*` (AccessDenied stands for any of them), `HTTP 403` (S3 HEAD answers have no
  // body, so the SDK names them Unknown), or an error code only the service's documentation lists (EC2).
  if (key === ANY_OTHER) {
    return new Base({
      name: 'AccessDenied',
      message: 'not authorized (simulated)',
      $fault: 'client',
      $metadata: metadata(403),
    });
  }
  if (key.startsWith('HTTP ')) {
    return new Base({
      name: 'Unknown',
      message: 'UnknownError',
      $fault: 'client',
      $metadata: metadata(Number(key.slice(5))),
    });
  }
  return new Base({ name: key, message: `${key} (simulated)`, $fault: 'client', $metadata: metadata(400) });
}

/** Rows whose error only answers some calls of the operation (as AWS only answers those). */
const ONLY_WHEN: Record<string, (input: Record<string, unknown>) => boolean> = {
  // InvalidAMIID.NotFound answers a request naming image ids, never a filter query.
  'ec2:DescribeImages InvalidAMIID.NotFound': (input) => Array.isArray(input.ImageIds),
};

interface Run {
  /** The caller threw (the step fails). */
  error?: unknown;
  /** Everything the caller said: the error as the step shows it, log lines, warnings, unseen plan parts. */
  report: string;
  /** The caller only warned, or showed the failure in its report, without failing. */
  reported: boolean;
  faults: FaultLog;
  /** Extra state for HANDLED checks. */
  state?: Record<string, unknown>;
}

interface Driver {
  name: string;
  operations: string[];
  run(operation: string, fault: Omit<Fault, 'operation'>): Promise<Run>;
}

/** A service answering from canned handlers (state kept by the closure): for clients with no simulation. */
const canned = (handlers: Record<string, (input: Record<string, unknown>) => object>): SimulatedService => ({
  handle(operation, input) {
    const handler = handlers[operation];
    if (!handler) throw new Error(`no canned answer for ${operation}`);
    return handler(input as Record<string, unknown>);
  },
});

/** Captures what @actions/core writes (warnings and errors go to stdout as workflow commands). */
function captureStdout(): { text: () => string; restore: () => void } {
  let text = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  return { text: () => text, restore: () => spy.mockRestore() };
}

async function outcomeOf(
  faults: FaultLog,
  lines: string[],
  body: () => Promise<Record<string, unknown> | undefined>,
): Promise<Run> {
  const stdout = captureStdout();
  let error: unknown;
  let state: Record<string, unknown> | undefined;
  try {
    state = await body();
  } catch (caught) {
    error = caught;
  } finally {
    stdout.restore();
  }
  const warnings = stdout.text();
  const unseen = Object.values(state ?? {})
    .filter((part): part is { seen: false; reason: string } => (part as { seen?: boolean })?.seen === false)
    .map((part) => part.reason);
  return {
    error,
    report: [error === undefined ? '' : describeError(error), ...lines, warnings, ...unseen].join('\n'),
    reported: warnings.includes('::warning::') || warnings.includes('::error::') || unseen.length > 0,
    faults,
    state,
  };
}

// ---------------------------------------------------------------- drivers

const DEPLOY_INPUTS: DeployInputs = deployInputs({
  source: { revision: { bucket: 'revisions', key: 'dealership/abc.zip', bundleType: 'zip' } },
  timeoutMs: 30 * 60_000,
});

/** An S3 bucket in memory: HeadObject answers NotFound (404) for a key never put. */
function s3Service(): SimulatedService {
  const objects = new Map<string, string>([['revisions/dealership/abc.zip', '"abc"']]);
  return canned({
    HeadObject: (i) => {
      const etag = objects.get(`${i.Bucket}/${i.Key}`);
      if (!etag) throw awsError(s3Sdk, 'NotFound', 'NotFound', 404);
      return { ETag: etag };
    },
    PutObject: (i) => {
      objects.set(`${i.Bucket}/${i.Key}`, '"put"');
      return { ETag: '"put"' };
    },
  });
}

const codeDeployDriver: Driver = {
  name: 'codedeploy-deploy',
  operations: [
    'codedeploy:CreateDeployment',
    'codedeploy:GetDeployment',
    'codedeploy:ListDeployments',
    'codedeploy:ListDeploymentTargets',
    'codedeploy:BatchGetDeploymentTargets',
    'codedeploy:StopDeployment',
  ],
  async run(operation, fault) {
    const clock = new FakeClock();
    const sim = new CodeDeploySim(() => clock.now());
    const codeDeploy = simulatedClient(CodeDeployClient, sim);
    const s3 = simulatedClient(S3Client, s3Service());
    const name = operation.split(':')[1]!;
    // The stop is only reached by a timeout (or a cancel): a deployment slower than the timeout.
    const stopping = name === 'StopDeployment';
    if (stopping) sim.script({ eventSeconds: 60 });
    const faults = injectFaults(codeDeploy, [{ operation: name, ...fault }], () => clock.now());
    const lines: string[] = [];
    const outcome = newOutcome();
    const inputs = { ...DEPLOY_INPUTS, timeoutMs: stopping ? 120_000 : DEPLOY_INPUTS.timeoutMs };
    const deps = {
      codeDeploy,
      s3,
      clock,
      signal: new AbortController().signal,
      log: (l: string) => lines.push(l),
    };
    const run = await outcomeOf(faults, lines, async () => {
      await deploy(deps, inputs, outcome);
      return undefined;
    });
    // A stop is part of a failing run anyway: what counts is what the stop did and said.
    if (stopping) return { ...run, error: undefined, reported: true, state: { outcome } };
    return { ...run, state: { outcome } };
  },
};

const REFRESH_INPUTS: RefreshInputs = refreshInputs();

const refreshDriver: Driver = {
  name: 'instance-refresh',
  operations: [
    'autoscaling:StartInstanceRefresh',
    'autoscaling:DescribeInstanceRefreshes',
    'autoscaling:CancelInstanceRefresh',
    'autoscaling:RollbackInstanceRefresh',
  ],
  async run(operation, fault) {
    const clock = new FakeClock();
    const sim = new AutoScalingSim(() => clock.now());
    const autoScaling = simulatedClient(AutoScalingClient, sim);
    const name = operation.split(':')[1]!;
    const faults = injectFaults(autoScaling, [{ operation: name, ...fault }], () => clock.now());
    const lines: string[] = [];
    const outcome = newRefreshOutcome();
    // Cancel and rollback are only reached by a timeout (or a cancel).
    const stopping = name === 'CancelInstanceRefresh' || name === 'RollbackInstanceRefresh';
    const inputs: RefreshInputs = {
      ...REFRESH_INPUTS,
      timeoutMs: stopping ? 60_000 : REFRESH_INPUTS.timeoutMs,
      onCancel: name === 'CancelInstanceRefresh' ? 'cancel' : 'rollback',
    };
    const deps = {
      autoScaling,
      clock,
      signal: new AbortController().signal,
      log: (l: string) => lines.push(l),
    };
    const run = await outcomeOf(faults, lines, async () => {
      await refreshInstances(deps, inputs, outcome);
      return undefined;
    });
    if (stopping) return { ...run, error: undefined, reported: true, state: { outcome } };
    return { ...run, state: { outcome } };
  },
};

const s3Driver: Driver = {
  name: 'codedeploy-deploy upload',
  operations: ['s3:HeadObject', 's3:PutObject'],
  async run(operation, fault) {
    const s3 = simulatedClient(S3Client, s3Service());
    const faults = injectFaults(s3, [{ operation: operation.split(':')[1]!, ...fault }]);
    const bundle = await loadBundle(makeRevisionFolder());
    const state: Record<string, unknown> = {};
    return outcomeOf(faults, [], async () => {
      state.upload = await uploadBundle(s3, bundle, 'revisions', 'dealership');
      return state;
    });
  },
};

/** The redeploy path of the same call (HeadObject on the revision input). */
const findRevisionDriver: Driver = {
  name: 'codedeploy-deploy redeploy',
  operations: ['s3:HeadObject'],
  async run(_operation, fault) {
    const s3 = simulatedClient(S3Client, s3Service());
    const faults = injectFaults(s3, [{ operation: 'HeadObject', ...fault }]);
    return outcomeOf(faults, [], async () => ({
      found: await findRevision(s3, { bucket: 'revisions', key: 'dealership/abc.zip', bundleType: 'zip' }),
    }));
  },
};

const NEW_IMAGE = 'ami-0000000000000new';
const OLD_IMAGE = 'ami-0000000000000old';
const BUILDER = 'i-0123456789abcdef0';

/** EC2 for a bake that misses the cache, builds, and prunes one old image with its snapshot. */
function ec2Service(state: { builder: string }): SimulatedService {
  const image = (id: string, name: string, created: string): Image => ({
    ImageId: id,
    Name: name,
    State: 'available',
    CreationDate: created,
    BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: `snap-${id.slice(4)}` } }],
    Tags: [{ Key: 'dealership:recipe-hash', Value: 'x' }],
  });
  return canned({
    DescribeImages: (i) => {
      if (Array.isArray(i.ImageIds))
        return { Images: [image(NEW_IMAGE, 'dealership-new', '2026-01-15T09:00:00.000Z')] };
      const filters = (i.Filters ?? []) as Array<{ Name: string }>;
      if (filters.some((f) => f.Name === 'tag:dealership:recipe-hash')) return { Images: [] };
      return {
        Images: [
          image(NEW_IMAGE, 'dealership-20260115T090000Z-aaaaaaaaaaaa', '2026-01-15T09:00:00.000Z'),
          image(OLD_IMAGE, 'dealership-20250101T090000Z-bbbbbbbbbbbb', '2025-01-01T09:00:00.000Z'),
        ],
      };
    },
    RunInstances: () => ({ Instances: [{ InstanceId: BUILDER }] }),
    DescribeInstances: () => ({
      Reservations: [{ Instances: [{ InstanceId: BUILDER, State: { Name: state.builder } }] }],
    }),
    GetConsoleOutput: () => ({ Output: Buffer.from('provisioning\nfailed\n').toString('base64') }),
    CreateImage: () => ({ ImageId: NEW_IMAGE }),
    TerminateInstances: () => ({}),
    DescribeLaunchTemplates: () => ({ LaunchTemplates: [{ LaunchTemplateId: 'lt-0123456789abcdef0' }] }),
    DescribeLaunchTemplateVersions: () => ({
      LaunchTemplateVersions: [{ VersionNumber: 1, LaunchTemplateData: { ImageId: 'ami-0000000000000abc' } }],
    }),
    DeregisterImage: () => ({}),
    DeleteSnapshot: () => ({}),
  });
}

function bakeWorkspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'error-space-'));
  mkdirSync(join(root, 'deploy/image'), { recursive: true });
  writeFileSync(join(root, 'deploy/image/provision.sh'), '#!/bin/sh\npoweroff\n');
  return root;
}

const bakeDriver: Driver = {
  name: 'bake-ami',
  operations: [
    'ssm:GetParameter',
    'ec2:DescribeImages',
    'ec2:RunInstances',
    'ec2:DescribeInstances',
    'ec2:GetConsoleOutput',
    'ec2:CreateImage',
    'ec2:TerminateInstances',
    'ec2:DeregisterImage',
    'ec2:DeleteSnapshot',
    'ec2:DescribeLaunchTemplates',
    'ec2:DescribeLaunchTemplateVersions',
  ],
  async run(operation, fault) {
    const clock = new FakeClock();
    const state = { builder: 'stopped' };
    const ec2 = simulatedClient(EC2Client, ec2Service(state));
    const ssm = simulatedClient(
      SSMClient,
      canned({ GetParameter: () => ({ Parameter: { Value: 'ami-0000000000000ba5e' } }) }),
    );
    const [service, name] = operation.split(':') as [string, string];
    // The builder's console is read only when the builder fails: it terminates instead of stopping.
    if (name === 'GetConsoleOutput') state.builder = 'terminated';
    const faults = injectFaults(service === 'ssm' ? ssm : ec2, [{ operation: name, ...fault }], () =>
      clock.now(),
    );
    const result: Record<string, unknown> = {};
    return outcomeOf(faults, [], async () => {
      result.bake = await bake(
        { ec2, ssm, clock, signal: new AbortController().signal },
        {
          base: { ssmParameter: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64' },
          provisionScript: 'deploy/image/provision.sh',
          recipePaths: [],
          workspace: bakeWorkspace(),
          instanceType: 't3.small',
          securityGroupIds: [],
          namePrefix: 'dealership',
          tags: {},
          keepImages: 1,
          timeoutMs: 30 * 60_000,
          pollIntervalMs: 15_000,
          commit: 'c0ffee'.padEnd(40, '0'),
        },
      );
      return result;
    });
  },
};

const rollDriver: Driver = {
  name: 'roll-launch-template',
  operations: [
    'ec2:DescribeLaunchTemplates',
    'ec2:DescribeLaunchTemplateVersions',
    'ec2:CreateLaunchTemplateVersion',
    'ec2:ModifyLaunchTemplate',
  ],
  async run(operation, fault) {
    const ec2 = simulatedClient(
      EC2Client,
      canned({
        DescribeLaunchTemplateVersions: () => ({
          LaunchTemplateVersions: [
            {
              LaunchTemplateId: 'lt-0123456789abcdef0',
              VersionNumber: 3,
              LaunchTemplateData: { ImageId: 'ami-0000000000000abc' },
            },
          ],
        }),
        DescribeLaunchTemplates: () => ({
          LaunchTemplates: [
            {
              LaunchTemplateId: 'lt-0123456789abcdef0',
              LaunchTemplateName: 'dealership',
              DefaultVersionNumber: 3,
              LatestVersionNumber: 3,
            },
          ],
        }),
        CreateLaunchTemplateVersion: () => ({ LaunchTemplateVersion: { VersionNumber: 4 } }),
        ModifyLaunchTemplate: () => ({}),
      }),
    );
    const faults = injectFaults(ec2, [{ operation: operation.split(':')[1]!, ...fault }]);
    return outcomeOf(faults, [], async () => ({
      roll: await rollLaunchTemplate(ec2, {
        template: { LaunchTemplateName: 'dealership' },
        imageId: NEW_IMAGE,
        sourceVersion: '$Default',
        setDefault: true,
      }),
    }));
  },
};

const planDriver: Driver = {
  name: 'deploy-plan',
  operations: [
    'ssm:GetParameter',
    'ec2:DescribeImages',
    'ec2:DescribeLaunchTemplates',
    'ec2:DescribeLaunchTemplateVersions',
    'autoscaling:DescribeAutoScalingGroups',
    'elasticloadbalancing:DescribeTargetHealth',
    'codedeploy:GetDeploymentGroup',
    'codedeploy:GetDeployment',
  ],
  async run(operation, fault) {
    const clients = {
      ec2: simulatedClient(EC2Client, ec2Service({ builder: 'stopped' })),
      ssm: simulatedClient(
        SSMClient,
        canned({ GetParameter: () => ({ Parameter: { Value: 'ami-0000000000000ba5e' } }) }),
      ),
      autoScaling: simulatedClient(
        AutoScalingClient,
        canned({
          DescribeAutoScalingGroups: () => ({
            AutoScalingGroups: [
              {
                AutoScalingGroupName: 'dealership-web',
                DesiredCapacity: 2,
                MinSize: 2,
                MaxSize: 6,
                TargetGroupARNs: [
                  'arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/0123456789abcdef',
                ],
                Instances: [],
              },
            ],
          }),
        }),
      ),
      elbv2: simulatedClient(
        ElasticLoadBalancingV2Client,
        canned({ DescribeTargetHealth: () => ({ TargetHealthDescriptions: [] }) }),
      ),
      codeDeploy: simulatedClient(
        CodeDeployClient,
        canned({
          GetDeploymentGroup: () => ({
            deploymentGroupInfo: { lastSuccessfulDeployment: { deploymentId: 'd-LAST00001' } },
          }),
          GetDeployment: () => ({ deploymentInfo: { deploymentId: 'd-LAST00001', description: 'x' } }),
        }),
      ),
    };
    const [service, name] = operation.split(':') as [string, string];
    const client = AWS_CLIENTS.find((c) => c.service === service)!.client;
    const target = {
      EC2Client: clients.ec2,
      SSMClient: clients.ssm,
      AutoScalingClient: clients.autoScaling,
      ElasticLoadBalancingV2Client: clients.elbv2,
      CodeDeployClient: clients.codeDeploy,
    }[client as string]!;
    const faults = injectFaults(target, [{ operation: name, ...fault }]);
    return outcomeOf(faults, [], async () => {
      const plan = await gatherPlan(clients, {
        base: { ssmParameter: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64' },
        provisionScript: 'deploy/image/provision.sh',
        recipePaths: [],
        workspace: bakeWorkspace(),
        autoScalingGroup: 'dealership-web',
        launchTemplate: { LaunchTemplateName: 'dealership' },
        application: 'dealership',
        deploymentGroup: 'dealership-web',
      });
      return plan as unknown as Record<string, unknown>;
    });
  },
};

const DRIVERS: Driver[] = [
  codeDeployDriver,
  refreshDriver,
  s3Driver,
  findRevisionDriver,
  bakeDriver,
  rollDriver,
  planDriver,
];

/**
 * Operations only the shell scripts in deploy/infra/pipeline call (aws CLI, set -e): the CLI's own
 * retries, then the script stops with the CLI's message. They have rows (decided), no driver here;
 * the release engineer's TypeScript replacement of the scripts brings drivers for them.
 */
const SCRIPT_ONLY = new Set(['codedeploy:BatchGetDeployments']);

// ---------------------------------------------------------------- handle rows: what each one does

const HANDLED: Record<string, (run: Run, driver: string) => void> = {
  'codedeploy:StopDeployment DeploymentAlreadyCompletedException': (run) => {
    expect(run.report).toContain('already finished, so there was nothing to stop');
  },
  'autoscaling:StartInstanceRefresh InstanceRefreshInProgressFault': (run) => {
    // Answered though nothing is listed (the refresh in the way already ended): the code looks again,
    // finds none, and fails with AWS's answer rather than guessing.
    expect(run.error).toBeInstanceOf(autoScalingSdk.InstanceRefreshInProgressFault);
    expect(run.faults.calls.filter((c) => c.operation === 'StartInstanceRefresh')).toHaveLength(1);
  },
  'autoscaling:CancelInstanceRefresh ActiveInstanceRefreshNotFoundFault': (run) => {
    expect(run.report).toContain('no longer active, so there was nothing to cancel');
  },
  'autoscaling:RollbackInstanceRefresh ActiveInstanceRefreshNotFoundFault': (run) => {
    expect(run.report).toContain('no longer active, so there was nothing to rollback');
  },
  'autoscaling:RollbackInstanceRefresh IrreversibleInstanceRefreshFault': (run) => {
    expect(run.report).toMatch(
      /could not roll back \(IrreversibleInstanceRefreshFault.*\), so cancelled instance refresh/,
    );
  },
  's3:HeadObject NotFound': (run, driver) => {
    if (driver === 'codedeploy-deploy upload') {
      expect(run.error).toBeUndefined();
      expect(run.state?.upload).toMatchObject({ uploaded: true });
    } else expect(describeError(run.error)).toContain('Input "revision" names no object in S3');
  },
  's3:HeadObject HTTP 403': (run, driver) => {
    if (driver === 'codedeploy-deploy upload') {
      expect(run.error).toBeUndefined();
      expect(run.state?.upload).toMatchObject({ uploaded: true });
    } else
      expect(describeError(run.error)).toContain('cannot be read: S3 answered HeadObject with 403 Forbidden');
  },
  'ec2:GetConsoleOutput *': (run) => {
    expect(describeError(run.error)).toContain(`Builder ${BUILDER} is terminated instead of stopped`);
    expect(run.report).toContain(`Could not read ${BUILDER}'s console: AccessDenied`);
  },
  'ec2:DeregisterImage *': (run) => {
    expect(run.error).toBeUndefined();
    expect(run.report).toMatch(/::warning::Retention of dealership images failed: AccessDenied/);
  },
  'ec2:DeleteSnapshot *': (run) => {
    expect(run.error).toBeUndefined();
    expect(run.report).toContain(`::warning::Deregistered ${OLD_IMAGE} but could not delete its snapshot`);
  },
};

// ---------------------------------------------------------------- the test

const allRows = Object.entries(AWS_ERRORS).flatMap(([operation, errors]) =>
  Object.entries(errors).map(([key, decision]) => ({ operation, key, decision })),
);
const rows = allRows.filter((r) => !SCRIPT_ONLY.has(r.operation));
const scriptRows = allRows.filter((r) => SCRIPT_ONLY.has(r.operation));

function check(decision: Decision, run: Run, row: string, driver: string): void {
  const failedCalls = run.faults.calls.filter((c) => c.failed).length;
  switch (decision.do) {
    case 'retry':
      expect(run.error, `${row} (${driver}) should be retried by the SDK`).toBeUndefined();
      expect(failedCalls).toBe(1);
      expect(run.faults.calls.length).toBeGreaterThan(1);
      return;
    case 'wait':
      expect(run.error, `${row} (${driver}) should be waited out`).toBeUndefined();
      expect(failedCalls).toBeGreaterThan(1);
      return;
    case 'fail':
      expect(run.error !== undefined || run.reported, `${row} (${driver}) should fail or report`).toBe(true);
      expect(run.report, `${row} (${driver}) should say what to do`).toContain(decision.advice);
      return;
    case 'handle': {
      const handled = HANDLED[row];
      if (!handled) throw new Error(`${row} is handled; add its check to HANDLED`);
      handled(run, driver);
    }
  }
}

describe('every row of AWS_ERRORS, against the code that makes the call', () => {
  it('has a driver for every operation but those only the pipeline scripts call', () => {
    const driven = new Set(DRIVERS.flatMap((d) => d.operations));
    expect(Object.keys(AWS_ERRORS).filter((op) => !driven.has(op) && !SCRIPT_ONLY.has(op))).toEqual([]);
    expect([...driven].filter((op) => !(op in AWS_ERRORS))).toEqual([]);
  });

  it.each(scriptRows)(
    '$operation $key: only the pipeline scripts call it, which stop with the CLI’s message',
    ({ decision }) => {
      expect(decision.do).toBe('fail');
    },
  );

  it.each(rows)('$operation $key', async ({ operation, key, decision }) => {
    const row = `${operation} ${key}`;
    const drivers = DRIVERS.filter((d) => d.operations.includes(operation));
    let met = 0;
    for (const driver of drivers) {
      const when = ONLY_WHEN[row];
      const fault: Omit<Fault, 'operation'> =
        decision.do === 'wait'
          ? { error: () => errorFor(operation, key), until: new FakeClock().now() + 40_000, when }
          : { error: () => errorFor(operation, key), times: 1, when };
      const run = await driver.run(operation, fault);
      // A caller that never makes the call this error answers (the plan never names image ids) is not asked.
      if (!run.faults.calls.some((c) => c.failed)) continue;
      met += 1;
      check(decision, run, row, driver.name);
    }
    expect(met, `${row}: no driver made a call that met the error`).toBeGreaterThan(0);
  });
});
