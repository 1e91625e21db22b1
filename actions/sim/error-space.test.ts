/**
 * Every row of AWS_ERRORS, tested against the real code: for each (operation, error) the simulation
 * makes the operation answer that very error (the installed SDK's own exception, see faults.ts), runs
 * every caller that makes the call (a "driver" below), and checks the row's decision:
 * - wait: the error is answered for 40 s of simulated time; the caller waits it out and succeeds;
 * - retry: answered once; the SDK's retry strategy calls again and the caller never sees it;
 * - fail: answered once; the caller fails (or warns, where the row's caller only reports), and what
 *   it says carries the row's advice;
 * - handle: a check of its own below (HANDLED), or the test fails naming the row.
 * An operation in the table with no driver fails the test too: adding a call means adding a driver;
 * and a driver that lists an operation must meet it. The release's drivers run a whole release
 * (actions/release: its record, state, converge, smoke and pruning, composing the five actions'
 * logic) against one canned stack (sim/canned.ts), with the CodeDeploy and refresh simulations.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as autoScalingSdk from '@aws-sdk/client-auto-scaling';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import * as cloudWatchSdk from '@aws-sdk/client-cloudwatch';
import * as codeDeploySdk from '@aws-sdk/client-codedeploy';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import * as ec2Sdk from '@aws-sdk/client-ec2';
import { EC2Client, type Image } from '@aws-sdk/client-ec2';
import * as elbSdk from '@aws-sdk/client-elastic-load-balancing-v2';
import * as s3Sdk from '@aws-sdk/client-s3';
import { S3Client } from '@aws-sdk/client-s3';
import * as ssmSdk from '@aws-sdk/client-ssm';
import { SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it, vi } from 'vitest';
import { bake } from '../bake-ami/src/bake.js';
import { loadBundle } from '../codedeploy-deploy/src/bundle.js';
import { deploy, newOutcome } from '../codedeploy-deploy/src/deploy.js';
import type { DeployInputs } from '../codedeploy-deploy/src/inputs.js';
import { findRevision, uploadBundle } from '../codedeploy-deploy/src/upload.js';
import { gatherPlan } from '../deploy-plan/src/plan.js';
import type { RefreshInputs } from '../instance-refresh/src/inputs.js';
import {
  newOutcome as newRefreshOutcome,
  refreshInstances,
} from '../instance-refresh/src/refresh-instances.js';
import { ANY_OTHER, AWS_CLIENTS, AWS_ERRORS, type Decision } from '../lib/aws-errors.js';
import { describeError } from '../lib/errors.js';
import { promoteCanary } from '../release/src/canary-modes.js';
import type { ReleaseDeps, StackConfig } from '../release/src/converge.js';
import type { Release, ReleaseRecord } from '../release/src/record.js';
import { deployRelease, type RunContext } from '../release/src/release.js';
import { rollLaunchTemplate } from '../roll-launch-template/src/roll.js';
import { deployInputs, refreshInputs } from '../test-support/fixtures.js';
import { makeRevisionFolder } from '../test-support/revision.js';
import { AutoScalingSim } from './autoscaling.js';
import { metadata } from './calls.js';
import {
  CannedBucket,
  type CannedRelease,
  canned,
  cannedRelease,
  STACK,
  s3ErrorOutsideModel,
} from './canned.js';
import { FakeClock } from './clock.js';
import { CodeDeploySim } from './codedeploy.js';
import { awsError, type Fault, type FaultLog, injectFaults, type SdkModule } from './faults.js';
import { type SimulatedService, simulatedClient } from './plug.js';

const SDK: Record<string, SdkModule> = {
  autoscaling: autoScalingSdk,
  cloudwatch: cloudWatchSdk,
  codedeploy: codeDeploySdk,
  ec2: ec2Sdk,
  elasticloadbalancing: elbSdk,
  s3: s3Sdk,
  ssm: ssmSdk,
};
const BASE: Record<string, string> = {
  autoscaling: 'AutoScalingServiceException',
  cloudwatch: 'CloudWatchServiceException',
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
  if (service === 's3' && key in S3_STATUS) return s3ErrorOutsideModel(key, S3_STATUS[key]!);
  return new Base({ name: key, message: `${key} (simulated)`, $fault: 'client', $metadata: metadata(400) });
}

/** S3's answers to a conditional write, which the model does not name (S3 API Reference, PutObject). */
const S3_STATUS: Record<string, number> = { PreconditionFailed: 412, ConditionalRequestConflict: 409 };

/** Rows whose error only answers some calls of the operation (as AWS only answers those). */
const conditional = (input: Record<string, unknown>) =>
  input.IfMatch !== undefined || input.IfNoneMatch !== undefined;
const ONLY_WHEN: Record<string, (input: Record<string, unknown>) => boolean> = {
  // The NotFound codes answer a request naming ids, never a filter query (EC2 API Reference,
  // DescribeImages and DescribeInstances: "If you specify an instance ID that is not valid, an error
  // is returned").
  'ec2:DescribeImages InvalidAMIID.NotFound': (input) => Array.isArray(input.ImageIds),
  'ec2:DescribeInstances InvalidInstanceID.NotFound': (input) => Array.isArray(input.InstanceIds),
  // S3 answers these only to a conditional write (PutObject, If-Match / If-None-Match).
  's3:PutObject PreconditionFailed': conditional,
  's3:PutObject ConditionalRequestConflict': conditional,
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

type WaitDeps = { clock: FakeClock; signal: AbortSignal; log: (line: string) => void };

/**
 * A driver for an action that waits (codedeploy-deploy, instance-refresh): `start` sets up its
 * simulation on a fake clock and says which client the fault goes on, whether the operation is a
 * stop, and how to run. A stop is only reached by a timeout, so a run that stops is failing anyway:
 * what counts then is what the stop did and said.
 */
function waitingDriver(
  name: string,
  operations: string[],
  start: (
    clock: FakeClock,
    operation: string,
  ) => {
    client: Parameters<typeof injectFaults>[0];
    stopping: boolean;
    run: (deps: WaitDeps) => Promise<unknown>;
    outcome: unknown;
  },
): Driver {
  return {
    name,
    operations,
    async run(operation, fault) {
      const clock = new FakeClock();
      const op = operation.split(':')[1]!;
      const { client, stopping, run, outcome } = start(clock, op);
      const faults = injectFaults(client, [{ operation: op, ...fault }], () => clock.now());
      const lines: string[] = [];
      const deps = { clock, signal: new AbortController().signal, log: (l: string) => lines.push(l) };
      const result = await outcomeOf(faults, lines, async () => {
        await run(deps);
        return undefined;
      });
      if (stopping) return { ...result, error: undefined, reported: true, state: { outcome } };
      return { ...result, state: { outcome } };
    },
  };
}

// ---------------------------------------------------------------- drivers

const DEPLOY_INPUTS: DeployInputs = deployInputs({
  source: { revision: { bucket: 'revisions', key: 'dealership/abc.zip', bundleType: 'zip' } },
  timeoutMs: 30 * 60_000,
});

/** The revision bucket of the codedeploy-deploy drivers: one revision in it (HeadObject answers NotFound for any other key). */
function s3Service(): SimulatedService {
  const bucket = new CannedBucket();
  bucket.put('revisions', 'dealership/abc.zip', 'a revision');
  return bucket.service();
}

const codeDeployDriver = waitingDriver(
  'codedeploy-deploy',
  [
    'codedeploy:CreateDeployment',
    'codedeploy:GetDeployment',
    'codedeploy:ListDeployments',
    'codedeploy:ListDeploymentTargets',
    'codedeploy:BatchGetDeploymentTargets',
    'codedeploy:StopDeployment',
  ],
  (clock, operation) => {
    const sim = new CodeDeploySim(() => clock.now());
    const codeDeploy = simulatedClient(CodeDeployClient, sim);
    const s3 = simulatedClient(S3Client, s3Service());
    // The stop is only reached by a timeout (or a cancel): a deployment slower than the timeout.
    const stopping = operation === 'StopDeployment';
    if (stopping) sim.script({ eventSeconds: 60 });
    const outcome = newOutcome();
    const inputs = { ...DEPLOY_INPUTS, timeoutMs: stopping ? 120_000 : DEPLOY_INPUTS.timeoutMs };
    return {
      client: codeDeploy,
      stopping,
      outcome,
      run: (deps) => deploy({ ...deps, codeDeploy, s3 }, inputs, outcome),
    };
  },
);

const REFRESH_INPUTS: RefreshInputs = refreshInputs();

const refreshDriver = waitingDriver(
  'instance-refresh',
  [
    'autoscaling:StartInstanceRefresh',
    'autoscaling:DescribeInstanceRefreshes',
    'autoscaling:CancelInstanceRefresh',
    'autoscaling:RollbackInstanceRefresh',
  ],
  (clock, operation) => {
    const autoScaling = simulatedClient(AutoScalingClient, new AutoScalingSim(() => clock.now()));
    const outcome = newRefreshOutcome();
    // Cancel and rollback are only reached by a timeout (or a cancel).
    const stopping = operation === 'CancelInstanceRefresh' || operation === 'RollbackInstanceRefresh';
    const inputs: RefreshInputs = {
      ...REFRESH_INPUTS,
      timeoutMs: stopping ? 60_000 : REFRESH_INPUTS.timeoutMs,
      onCancel: operation === 'CancelInstanceRefresh' ? 'cancel' : 'rollback',
    };
    return {
      client: autoScaling,
      stopping,
      outcome,
      run: (deps) => refreshInstances({ ...deps, autoScaling }, inputs, outcome),
    };
  },
);

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

/** What both bake drivers (bake-ami itself, the release's bake) bake from: the stock AL2023 image and the repository's recipe. */
function bakeSettings() {
  return {
    base: { ssmParameter: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64' },
    provisionScript: 'deploy/image/provision.sh',
    recipePaths: [],
    workspace: bakeWorkspace(),
    instanceType: 't3.small',
    securityGroupIds: [],
    namePrefix: 'dealership',
    tags: {},
    pollIntervalMs: 15_000,
  };
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
        { ...bakeSettings(), keepImages: 1, timeoutMs: 30 * 60_000, commit: 'c0ffee'.padEnd(40, '0') },
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

/** The client of the stack that serves `operation`'s service (`s3:GetObject` → the S3 client). */
function clientFor(clients: CannedRelease['clients'], operation: string) {
  const service = operation.split(':')[0]!;
  const client = AWS_CLIENTS.find((c) => c.service === service)!.client;
  return {
    AutoScalingClient: clients.autoScaling,
    CloudWatchClient: clients.cloudWatch,
    CodeDeployClient: clients.codeDeploy,
    EC2Client: clients.ec2,
    ElasticLoadBalancingV2Client: clients.elbv2,
    S3Client: clients.s3,
    SSMClient: clients.ssm,
  }[client];
}

const RECORD_KEY = 'releases/production.json';
const COMMIT = 'c0ffee'.padEnd(40, '0');

function recordOf(world: CannedRelease): ReleaseRecord | undefined {
  const stored = world.bucket.get(STACK.bucket, RECORD_KEY);
  return stored ? (JSON.parse(stored.body) as ReleaseRecord) : undefined;
}

const planDriver: Driver = {
  name: 'deploy-plan',
  operations: [
    'ssm:GetParameter',
    'ec2:DescribeImages',
    'ec2:DescribeLaunchTemplates',
    'ec2:DescribeLaunchTemplateVersions',
    'ec2:DescribeInstances',
    'autoscaling:DescribeAutoScalingGroups',
    'elasticloadbalancing:DescribeTargetHealth',
    'elasticloadbalancing:DescribeTargetGroups',
    'elasticloadbalancing:DescribeTargetGroupAttributes',
    'codedeploy:GetDeploymentGroup',
    'codedeploy:GetDeployment',
    's3:GetObject',
  ],
  async run(operation, fault) {
    const world = cannedRelease({ instances: 2 });
    // A release is live, so the plan has a record to read.
    const live: Release = {
      id: '4000-1',
      kind: 'deploy',
      commit: 'a'.repeat(40),
      revision: 's3://seed/seed.zip',
      imageId: STACK.oldImage,
      launchTemplateVersion: 1,
      outcome: 'succeeded',
      startedAt: '2026-01-15T08:00:00.000Z',
      stages: [],
    };
    world.bucket.put(
      STACK.bucket,
      RECORD_KEY,
      JSON.stringify({ schema: 1, environment: STACK.environment, releases: [live] }),
    );
    const name = operation.split(':')[1]!;
    const faults = injectFaults(clientFor(world.clients, operation), [{ operation: name, ...fault }]);
    return outcomeOf(faults, [], async () => {
      const plan = await gatherPlan(world.clients, {
        base: bakeSettings().base,
        provisionScript: 'deploy/image/provision.sh',
        recipePaths: [],
        workspace: bakeWorkspace(),
        autoScalingGroup: STACK.group,
        launchTemplate: { LaunchTemplateId: STACK.templateId },
        application: STACK.application,
        deploymentGroup: STACK.deploymentGroup,
        revisionBucket: STACK.bucket,
        environment: STACK.environment,
        appspecPath: join(makeRevisionFolder(), 'appspec.yml'),
      });
      return plan as unknown as Record<string, unknown>;
    });
  },
};

/** The load balancer as the smoke test sees it: ready, and serving `commit`. */
function serving(commit: string): typeof fetch {
  return async (input) =>
    String(input).endsWith('/version') ? Response.json({ commit }) : new Response('ready');
}

function releaseConfig(): StackConfig {
  return {
    region: STACK.region,
    environment: STACK.environment,
    application: STACK.application,
    deploymentGroup: STACK.deploymentGroup,
    autoScalingGroup: STACK.group,
    launchTemplate: { LaunchTemplateId: STACK.templateId },
    bucket: STACK.bucket,
    revisionPrefix: 'revisions',
    serviceUrl: 'http://alb.example',
    alarms: [],
    keepReleases: 10,
    bake: {
      ...bakeSettings(),
      keepImages: 0,
    },
  };
}

/**
 * A release of a new commit (actions/release, mode deploy), as the deploy job runs it: with
 * `instances` in the group, the revision is deployed to them, the recipe's image (already baked) is
 * rolled into launch template version 2 and refreshed onto them, the smoke test passes and an old
 * revision is pruned; with none (a stack being bootstrapped), the group is pinned to version 2 instead.
 */
function releaseDriver(
  name: string,
  instances: number,
  operations: string[],
  stack: Partial<StackConfig> = {},
  then?: (deps: ReleaseDeps, config: StackConfig, context: RunContext) => Promise<unknown>,
): Driver {
  return {
    name,
    operations,
    async run(operation, fault) {
      const world = cannedRelease({ instances });
      const faults = injectFaults(
        clientFor(world.clients, operation),
        [{ operation: operation.split(':')[1]!, ...fault }],
        () => world.clock.now(),
      );
      const lines: string[] = [];
      const bundle = makeRevisionFolder();
      const deps: ReleaseDeps = {
        ...world.clients,
        clock: world.clock,
        signal: new AbortController().signal,
        log: (line) => lines.push(line),
        fetch: serving(COMMIT),
      };
      const config = { ...releaseConfig(), ...stack };
      const context: RunContext = {
        id: '4242-1',
        jobDeadline: world.clock.now() + 350 * 60_000,
        appspecPath: join(bundle, 'appspec.yml'),
      };
      const run = await outcomeOf(faults, lines, async () => {
        await deployRelease(
          deps,
          config,
          context,
          { commit: COMMIT, bundle },
          { isAncestor: async () => false },
        );
        await then?.(deps, config, context);
        return undefined;
      });
      const record = recordOf(world);
      const release = record?.releases.find((r) => r.id === '4242-1');
      // A stage that failed shows in the timeline (pruning fails only its own stage: the release stays live).
      const failedStage = release?.stages.some((stage) => stage.outcome === 'failed') ?? false;
      return { ...run, reported: run.reported || failedStage, state: { world, record, release } };
    },
  };
}

/** What the release's own code calls (actions/release/src and the library parts it reads with). */
const releaseDeployDriver = releaseDriver('release deploy', 2, [
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:DescribeInstanceRefreshes',
  'codedeploy:GetDeploymentGroup',
  'codedeploy:GetDeployment',
  'codedeploy:ListDeployments',
  'ec2:DescribeImages',
  'ec2:DescribeInstances',
  'ec2:DescribeLaunchTemplates',
  'ec2:DescribeLaunchTemplateVersions',
  'ec2:ModifyLaunchTemplate',
  'elasticloadbalancing:DescribeTargetGroups',
  'elasticloadbalancing:DescribeTargetGroupAttributes',
  'elasticloadbalancing:DescribeTargetHealth',
  's3:GetObject',
  's3:PutObject',
  's3:ListObjectsV2',
  's3:PutObjectTagging',
  'ssm:GetParameter',
]);

const releaseBootstrapDriver = releaseDriver('release bootstrap', 0, ['autoscaling:UpdateAutoScalingGroup']);

/**
 * A canary release and its promotion, as deploy.yml's deploy and production-canary jobs run them: a
 * refresh to half the group, the canary tag and the revision through the canary deployment group, a
 * two-minute bake that reads the alarms and the figures, then the rest and the tag removed.
 */
const releaseCanaryDriver = releaseDriver(
  'release canary',
  2,
  ['cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData', 'ec2:CreateTags', 'ec2:DeleteTags'],
  {
    alarms: ['dealership-target-5xx'],
    canary: {
      percentage: 50,
      bakeMs: 2 * 60_000,
      approvalMs: 60 * 60_000,
      deploymentGroup: STACK.canaryDeploymentGroup,
    },
  },
  (deps, config, context) => promoteCanary(deps, config, context, context.id),
);

const DRIVERS: Driver[] = [
  codeDeployDriver,
  refreshDriver,
  s3Driver,
  findRevisionDriver,
  bakeDriver,
  rollDriver,
  planDriver,
  releaseDeployDriver,
  releaseBootstrapDriver,
  releaseCanaryDriver,
];

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
  's3:GetObject NoSuchKey': (run, driver) => {
    if (driver === 'deploy-plan') {
      // No record: the plan says nothing is live by the record, and shows the rest.
      expect(run.error).toBeUndefined();
      const view = run.state?.release as { seen: boolean; value?: { live?: Release } } | undefined;
      expect(view).toMatchObject({ seen: true });
      expect(view?.value?.live).toBeUndefined();
    } else {
      // The first release of an environment: it goes live and writes the record (If-None-Match).
      expect(run.error).toBeUndefined();
      expect(run.state?.release).toMatchObject({ outcome: 'succeeded' });
    }
  },
  's3:PutObject PreconditionFailed': (run) => {
    // The claim of the record lost to a newer run: superseded before anything in the stack changed.
    expect((run.error as Error | undefined)?.name).toBe('RecordConflictError');
    expect(run.report).toContain('this run is superseded');
    const world = run.state?.world as CannedRelease;
    expect(world.codeDeploySim.ledger.count('CreateDeployment')).toBe(0);
    expect(world.template.versions).toHaveLength(1);
    expect(world.autoScalingSim.refreshes).toHaveLength(0);
    expect(world.updates).toEqual([]);
    expect(run.state?.record).toBeUndefined();
  },
  's3:PutObject ConditionalRequestConflict': (run) => {
    // S3's advice: fetch the ETag and write again. It is unchanged (nobody else wrote): written again.
    expect(run.error).toBeUndefined();
    expect(run.faults.calls.filter((c) => c.operation === 'PutObject' && c.failed)).toHaveLength(1);
    expect(run.state?.release).toMatchObject({ outcome: 'succeeded' });
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
const rows = allRows;

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

/** `driver operation` for every operation a driver met with an error. */
const metBy = new Set<string>();

describe('every row of AWS_ERRORS, against the code that makes the call', () => {
  it('has a driver for every operation', () => {
    const driven = new Set(DRIVERS.flatMap((d) => d.operations));
    expect(Object.keys(AWS_ERRORS).filter((op) => !driven.has(op))).toEqual([]);
    expect([...driven].filter((op) => !(op in AWS_ERRORS))).toEqual([]);
  });

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
      metBy.add(`${driver.name} ${operation}`);
      check(decision, run, row, driver.name);
    }
    expect(met, `${row}: no driver made a call that met the error`).toBeGreaterThan(0);
  });

  it('has every driver meet every operation it lists', () => {
    const unmet = DRIVERS.flatMap((d) =>
      d.operations.filter((op) => !metBy.has(`${d.name} ${op}`)).map((op) => `${d.name} ${op}`),
    );
    expect(unmet).toEqual([]);
  });
});

describe('the release’s housekeeping', () => {
  it('a failed prune leaves the release live: its stage fails with what to do, the release succeeded', async () => {
    const run = await releaseDeployDriver.run('s3:PutObjectTagging', {
      error: () => errorFor('s3:PutObjectTagging', ANY_OTHER),
      times: 1,
    });
    expect(run.error).toBeUndefined();
    const release = run.state?.release as Release;
    expect(release.outcome).toBe('succeeded');
    const advice = (AWS_ERRORS['s3:PutObjectTagging']![ANY_OTHER] as { advice: string }).advice;
    expect(release.stages.find((s) => s.name === 'prune revisions')).toMatchObject({
      outcome: 'failed',
      detail: expect.stringContaining(advice),
    });
    expect(run.report).toContain('Pruning revisions failed (the release is live)');
  });
});
