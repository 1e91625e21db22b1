import * as codeDeploySdk from '@aws-sdk/client-codedeploy';
import {
  ApplicationDoesNotExistException,
  type BatchGetDeploymentTargetsCommandInput,
  CodeDeployServiceException,
  type CreateDeploymentCommandInput,
  DeploymentAlreadyCompletedException,
  DeploymentDoesNotExistException,
  DeploymentGroupDoesNotExistException,
  type DeploymentInfo,
  DeploymentLimitExceededException,
  type DeploymentStatus,
  type Diagnostics,
  type GetDeploymentCommandInput,
  type GetDeploymentGroupCommandInput,
  type InstanceTarget,
  type LifecycleEvent,
  type LifecycleEventStatus,
  type ListDeploymentsCommandInput,
  type ListDeploymentTargetsCommandInput,
  type RevisionLocation,
  RevisionRequiredException,
  type StopDeploymentCommandInput,
  type TargetStatus,
} from '@aws-sdk/client-codedeploy';
import { LIFECYCLE_ORDER } from '@dealership/revision';
import { CallLedger, metadata } from './calls.js';
import { awsError } from './faults.js';

export interface DeploymentScenario {
  /**
   * Seconds between CreateDeployment and the first lifecycle event (default 3): the deployment is
   * `Created`, and its targets cannot be listed or read yet (DeploymentNotStartedException).
   */
  queueSeconds?: number;
  /** Seconds each lifecycle event takes (default 5). */
  eventSeconds?: number;
  /**
   * One lifecycle event on one instance fails with these diagnostics. The deployment then fails —
   * except under CodeDeployDefault.OneAtATime when that instance is the last one (see #failsDeployment).
   */
  failure?: { instance: string; event: string; diagnostics: Diagnostics };
}

export const VALIDATE_SERVICE_FAILS = (instance: string): DeploymentScenario => ({
  failure: {
    instance,
    event: 'ValidateService',
    diagnostics: {
      errorCode: 'ScriptFailed',
      scriptName: 'deploy/hooks/validate-service.sh',
      message:
        'Script at specified location: deploy/hooks/validate-service.sh run as user root failed with exit code 1',
      logTail:
        '[stdout]waiting for http://127.0.0.1:3000/health/ready\n[stderr]curl: (7) Failed to connect to 127.0.0.1 port 3000\n[stderr]not ready after 30 attempts',
    },
  },
});

interface SimDeployment {
  id: string;
  input: CreateDeploymentCommandInput;
  instances: string[];
  createdAt: number;
  scenario: DeploymentScenario;
  creator: 'user' | 'codeDeployRollback';
  stoppedAt?: number;
  rollbackId?: string;
}

export interface SimGroup {
  application: string;
  group: string;
  instances: string[];
  /** The Auto Scaling group the deployment group names (GetDeploymentGroup's autoScalingGroups). */
  autoScalingGroup?: string;
}

const ACTIVE: ReadonlySet<DeploymentStatus> = new Set(['Created', 'Queued', 'InProgress', 'Ready', 'Baking']);

/**
 * A fake of the CodeDeploy deployment API an in-place EC2 deployment uses (CreateDeployment,
 * GetDeployment, ListDeployments, ListDeploymentTargets, BatchGetDeploymentTargets, StopDeployment):
 * instances go through their lifecycle events one at a time, on a clock, as the scenario scripts.
 */
export class CodeDeploySim {
  readonly ledger: CallLedger;
  readonly deployments: SimDeployment[] = [];
  #scenarios: DeploymentScenario[] = [];
  #nextId = 1;

  constructor(
    private readonly now: () => number,
    private readonly groups: SimGroup[] = [
      { application: 'dealership', group: 'dealership-web', instances: ['i-0aaa1111', 'i-0bbb2222'] },
    ],
  ) {
    this.ledger = new CallLedger(now);
  }

  /** The next CreateDeployment follows this script (then a clean success by default). */
  script(scenario: DeploymentScenario): this {
    this.#scenarios.push(scenario);
    return this;
  }

  /** A deployment somebody else created `secondsAgo` seconds ago; returns its id. */
  seedDeployment(application: string, group: string, scenario: DeploymentScenario, secondsAgo = 10): string {
    const input: CreateDeploymentCommandInput = {
      applicationName: application,
      deploymentGroupName: group,
      revision: { revisionType: 'S3', s3Location: { bucket: 'seed', key: 'seed.zip', bundleType: 'zip' } },
    };
    return this.#begin(input, scenario, this.now() - secondsAgo * 1000, 'user');
  }

  handle(operation: string, input: unknown): object {
    return this.ledger.serve(
      'CodeDeploy',
      operation,
      input,
      (fields) => new CodeDeployServiceException({ name: 'ThrottlingException', ...fields }),
      {
        CreateDeployment: (i) => this.#create(i as CreateDeploymentCommandInput),
        GetDeployment: (i) => ({
          deploymentInfo: this.info(this.#find((i as GetDeploymentCommandInput).deploymentId)),
        }),
        ListDeployments: (i) => this.#list(i as ListDeploymentsCommandInput),
        GetDeploymentGroup: (i) => this.#deploymentGroup(i as GetDeploymentGroupCommandInput),
        ListDeploymentTargets: (i) => this.#listTargets(i as ListDeploymentTargetsCommandInput),
        BatchGetDeploymentTargets: (i) => this.#batchTargets(i as BatchGetDeploymentTargetsCommandInput),
        StopDeployment: (i) => this.#stop(i as StopDeploymentCommandInput),
      },
    );
  }

  deployment(id: string): SimDeployment | undefined {
    return this.deployments.find((d) => d.id === id);
  }

  /** A deployment as GetDeployment shows it now. */
  info(d: SimDeployment): DeploymentInfo {
    const now = this.now();
    const targets = d.instances.map((i) => this.#target(d, i));
    const status = this.#status(d, now);
    const count = (s: TargetStatus) => targets.filter((t) => t.status === s).length;
    const end = this.#endAt(d);
    const failed = status === 'Failed';
    return {
      deploymentId: d.id,
      applicationName: d.input.applicationName,
      deploymentGroupName: d.input.deploymentGroupName,
      deploymentConfigName: d.input.deploymentConfigName ?? 'CodeDeployDefault.OneAtATime',
      revision: d.input.revision,
      description: d.input.description,
      fileExistsBehavior: d.input.fileExistsBehavior ?? 'DISALLOW',
      autoRollbackConfiguration: d.input.autoRollbackConfiguration,
      status,
      creator: d.creator,
      createTime: new Date(d.createdAt),
      startTime: now >= this.#startAt(d) ? new Date(this.#startAt(d)) : undefined,
      completeTime: ACTIVE.has(status) ? undefined : new Date(end),
      deploymentOverview: {
        Pending: count('Pending'),
        InProgress: count('InProgress'),
        Succeeded: count('Succeeded'),
        Failed: count('Failed'),
        Skipped: count('Skipped'),
        Ready: count('Ready'),
      },
      errorInformation: failed
        ? {
            code: 'HEALTH_CONSTRAINTS',
            message:
              'The overall deployment failed because too many individual instances failed deployment, too few healthy instances are available for deployment, or some instances in your deployment group are experiencing problems.',
          }
        : status === 'Stopped'
          ? { code: 'MANUAL_STOP', message: 'The deployment was stopped by request.' }
          : undefined,
      rollbackInfo:
        d.rollbackId && now >= end
          ? {
              rollbackDeploymentId: d.rollbackId,
              rollbackMessage: `Automatic rollback: deployment ${d.rollbackId} redeploys the last good revision.`,
            }
          : undefined,
    };
  }

  #startAt(d: SimDeployment): number {
    return d.createdAt + (d.scenario.queueSeconds ?? 3) * 1000;
  }

  #eventMs(d: SimDeployment): number {
    return (d.scenario.eventSeconds ?? 5) * 1000;
  }

  #eventStart(d: SimDeployment, instance: number, event: number): number {
    return this.#startAt(d) + (instance * LIFECYCLE_ORDER.length + event) * this.#eventMs(d);
  }

  /** When the deployment ends: after the last event, at the failing event's end, or when stopped. */
  #endAt(d: SimDeployment): number {
    let end = this.#eventStart(d, d.instances.length, 0);
    const f = d.scenario.failure;
    if (f) {
      const i = d.instances.indexOf(f.instance);
      const e = LIFECYCLE_ORDER.indexOf(f.event as (typeof LIFECYCLE_ORDER)[number]);
      if (i >= 0 && e >= 0) end = Math.min(end, this.#eventStart(d, i, e) + this.#eventMs(d));
    }
    return d.stoppedAt === undefined ? end : Math.min(end, d.stoppedAt);
  }

  #status(d: SimDeployment, now: number): DeploymentStatus {
    if (now < this.#startAt(d) && d.stoppedAt === undefined) return 'Created';
    const end = this.#endAt(d);
    if (now < end) return 'InProgress';
    if (d.stoppedAt !== undefined && end === d.stoppedAt) return 'Stopped';
    return this.#failsDeployment(d) && this.#failsAt(d) === end ? 'Failed' : 'Succeeded';
  }

  /**
   * Whether the scripted failure fails the deployment as a whole. CodeDeploy judges a deployment by
   * its configuration's minimum healthy hosts, not by every instance: under
   * CodeDeployDefault.OneAtATime "the overall deployment succeeds if the application revision is
   * deployed to all of the instances. The exception to this rule is that if deployment to the last
   * instance fails, the overall deployment still succeeds" (CodeDeploy User Guide, Working with
   * deployment configurations, predefined configurations, in-place). The failed instance is still
   * reported Failed by BatchGetDeploymentTargets.
   */
  #failsDeployment(d: SimDeployment): boolean {
    const f = d.scenario.failure;
    if (!f) return false;
    const config = d.input.deploymentConfigName ?? 'CodeDeployDefault.OneAtATime';
    return !(config === 'CodeDeployDefault.OneAtATime' && d.instances.at(-1) === f.instance);
  }

  #failsAt(d: SimDeployment): number | undefined {
    const f = d.scenario.failure;
    if (!f) return undefined;
    const i = d.instances.indexOf(f.instance);
    const e = LIFECYCLE_ORDER.indexOf(f.event as (typeof LIFECYCLE_ORDER)[number]);
    return i >= 0 && e >= 0 ? this.#eventStart(d, i, e) + this.#eventMs(d) : undefined;
  }

  #target(d: SimDeployment, instanceId: string): InstanceTarget {
    const now = this.now();
    const i = d.instances.indexOf(instanceId);
    const end = this.#endAt(d);
    const f = d.scenario.failure;
    const events: LifecycleEvent[] = LIFECYCLE_ORDER.map((name, e) => {
      const start = this.#eventStart(d, i, e);
      const stop = start + this.#eventMs(d);
      let status: LifecycleEventStatus = 'Pending';
      let diagnostics: Diagnostics | undefined;
      const failsHere = f?.instance === instanceId && f.event === name;
      if (now >= end && start >= end) status = 'Skipped';
      else if (failsHere && now >= stop && stop <= end) {
        status = 'Failed';
        diagnostics = f.diagnostics;
      } else if (now >= end && start < end && stop > end) {
        status = 'Failed';
        diagnostics = {
          errorCode: 'UnknownError',
          message: 'The deployment was stopped while this event ran.',
        };
      } else if (now >= stop) status = 'Succeeded';
      else if (now >= start) status = 'InProgress';
      return {
        lifecycleEventName: name,
        status,
        diagnostics,
        startTime: status === 'Pending' || status === 'Skipped' ? undefined : new Date(start),
        endTime: status === 'Succeeded' || status === 'Failed' ? new Date(Math.min(stop, end)) : undefined,
      };
    });
    const has = (s: LifecycleEventStatus) => events.some((e) => e.status === s);
    const status: TargetStatus = has('Failed')
      ? 'Failed'
      : events.every((e) => e.status === 'Succeeded')
        ? 'Succeeded'
        : events.every((e) => e.status === 'Skipped')
          ? 'Skipped'
          : has('InProgress') || has('Succeeded')
            ? 'InProgress'
            : 'Pending';
    return {
      deploymentId: d.id,
      targetId: instanceId,
      targetArn: `arn:aws:ec2:eu-west-1:123456789012:instance/${instanceId}`,
      status,
      lastUpdatedAt: new Date(Math.min(now, end)),
      lifecycleEvents: events,
    };
  }

  /** The group's newest deployment that Succeeded on at least one instance, with its S3 revision. */
  lastSuccessful(
    application: string,
    group: string,
  ): { info: DeploymentInfo; revision?: string } | undefined {
    const done = this.deployments
      .filter((d) => d.input.applicationName === application && d.input.deploymentGroupName === group)
      .map((d) => this.info(d))
      .filter((info) => info.status === 'Succeeded' && (info.deploymentOverview?.Succeeded ?? 0) > 0)
      .sort((a, b) => (a.completeTime?.getTime() ?? 0) - (b.completeTime?.getTime() ?? 0));
    const info = done.at(-1);
    const s3 = info?.revision?.s3Location;
    return info ? { info, revision: s3 ? `s3://${s3.bucket}/${s3.key}` : undefined } : undefined;
  }

  /**
   * GetDeploymentGroup: "lastSuccessfulDeployment — Information about the most recent successful
   * deployment to the deployment group" (CodeDeploy API Reference, DeploymentGroupInfo).
   */
  #deploymentGroup(input: GetDeploymentGroupCommandInput) {
    const group = this.#group(input.applicationName, input.deploymentGroupName);
    const last = this.lastSuccessful(group.application, group.group)?.info;
    return {
      deploymentGroupInfo: {
        applicationName: group.application,
        deploymentGroupName: group.group,
        autoScalingGroups: group.autoScalingGroup ? [{ name: group.autoScalingGroup }] : [],
        lastSuccessfulDeployment: last
          ? {
              deploymentId: last.deploymentId,
              status: 'Succeeded',
              endTime: last.completeTime,
              createTime: last.createTime,
            }
          : undefined,
      },
    };
  }

  #find(id: string | undefined): SimDeployment {
    const d = this.deployment(id ?? '');
    if (!d) {
      throw new DeploymentDoesNotExistException({
        message: `The deployment ${id} could not be found.`,
        $metadata: metadata(400),
      });
    }
    return d;
  }

  #group(application: string | undefined, group: string | undefined): SimGroup {
    if (!this.groups.some((g) => g.application === application)) {
      throw new ApplicationDoesNotExistException({
        message: `No application found for name: ${application}`,
        $metadata: metadata(400),
      });
    }
    const found = this.groups.find((g) => g.application === application && g.group === group);
    if (!found) {
      throw new DeploymentGroupDoesNotExistException({
        message: `No Deployment Group found for name: ${group}`,
        $metadata: metadata(400),
      });
    }
    return found;
  }

  #begin(
    input: CreateDeploymentCommandInput,
    scenario: DeploymentScenario,
    createdAt: number,
    creator: SimDeployment['creator'],
  ): string {
    const group = this.#group(input.applicationName, input.deploymentGroupName);
    const id = `d-SIM${String(this.#nextId++).padStart(6, '0')}`;
    const d: SimDeployment = { id, input, instances: group.instances, createdAt, scenario, creator };
    this.deployments.push(d);
    const rollback = input.autoRollbackConfiguration;
    if (this.#failsDeployment(d) && rollback?.enabled && rollback.events?.includes('DEPLOYMENT_FAILURE')) {
      this.#rollbackAfter(d);
    }
    return id;
  }

  /** CodeDeploy's automatic rollback: a new deployment of the group's last good revision. */
  #rollbackAfter(d: SimDeployment): void {
    const lastGood = this.deployments
      .filter((x) => x.input.deploymentGroupName === d.input.deploymentGroupName && x !== d)
      .filter((x) => this.#status(x, Number.POSITIVE_INFINITY) === 'Succeeded')
      .at(-1);
    const revision: RevisionLocation | undefined = lastGood?.input.revision ?? d.input.revision;
    const id = `d-SIM${String(this.#nextId++).padStart(6, '0')}`;
    d.rollbackId = id;
    this.deployments.push({
      id,
      input: {
        ...d.input,
        revision,
        autoRollbackConfiguration: undefined,
        description: `Rollback of ${d.id}`,
      },
      instances: d.instances,
      createdAt: this.#endAt(d),
      scenario: {},
      creator: 'codeDeployRollback',
    });
  }

  #activeIn(group: string | undefined): SimDeployment | undefined {
    const now = this.now();
    return this.deployments.find(
      (d) => d.input.deploymentGroupName === group && d.createdAt <= now && ACTIVE.has(this.#status(d, now)),
    );
  }

  #create(input: CreateDeploymentCommandInput) {
    this.#group(input.applicationName, input.deploymentGroupName);
    const config = input.deploymentConfigName ?? 'CodeDeployDefault.OneAtATime';
    if (config !== 'CodeDeployDefault.OneAtATime') {
      throw new Error(
        `the CodeDeploy simulation runs CodeDeployDefault.OneAtATime only (its pace and health rule); got ${config}`,
      );
    }
    if (!input.revision) {
      throw new RevisionRequiredException({ message: 'Revision is required', $metadata: metadata(400) });
    }
    // "DeploymentLimitExceededException: The number of allowed deployments was exceeded" (CodeDeploy API
    // Reference, CreateDeployment, Errors): a deployment group runs one deployment at a time.
    const active = this.#activeIn(input.deploymentGroupName);
    if (active) {
      throw new DeploymentLimitExceededException({
        message: `The Deployment Group '${input.deploymentGroupName}' already has an active Deployment '${active.id}'`,
        $metadata: metadata(400),
      });
    }
    return { deploymentId: this.#begin(input, this.#scenarios.shift() ?? {}, this.now(), 'user') };
  }

  #list(input: ListDeploymentsCommandInput) {
    const now = this.now();
    const wanted = input.includeOnlyStatuses?.length ? new Set(input.includeOnlyStatuses) : undefined;
    const ids = this.deployments
      .filter(
        (d) =>
          d.createdAt <= now &&
          (!input.applicationName || d.input.applicationName === input.applicationName) &&
          (!input.deploymentGroupName || d.input.deploymentGroupName === input.deploymentGroupName) &&
          (!wanted || wanted.has(this.#status(d, now))),
      )
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((d) => d.id);
    return { deployments: ids };
  }

  /**
   * ListDeploymentTargets and BatchGetDeploymentTargets both document DeploymentNotStartedException,
   * "The specified deployment has not started" (CodeDeploy API Reference, ListDeploymentTargets and
   * BatchGetDeploymentTargets, Errors): a deployment answers it while it is still Created, which a
   * real one is for seconds after CreateDeployment (here: the scenario's queueSeconds).
   */
  #requireStarted(d: SimDeployment): void {
    if (this.#status(d, this.now()) !== 'Created') return;
    throw awsError(codeDeploySdk, 'DeploymentNotStartedException', `The deployment ${d.id} has not started.`);
  }

  #listTargets(input: ListDeploymentTargetsCommandInput) {
    const d = this.#find(input.deploymentId);
    this.#requireStarted(d);
    const pageSize = 2;
    const from = Number(input.nextToken ?? 0);
    const page = d.instances.slice(from, from + pageSize);
    const next = from + pageSize < d.instances.length ? String(from + pageSize) : undefined;
    return { targetIds: page, nextToken: next };
  }

  #batchTargets(input: BatchGetDeploymentTargetsCommandInput) {
    const d = this.#find(input.deploymentId);
    this.#requireStarted(d);
    const targets = (input.targetIds ?? []).filter((t) => d.instances.includes(t));
    return {
      deploymentTargets: targets.map((t) => ({
        deploymentTargetType: 'InstanceTarget' as const,
        instanceTarget: this.#target(d, t),
      })),
    };
  }

  #stop(input: StopDeploymentCommandInput) {
    const d = this.#find(input.deploymentId);
    // "DeploymentAlreadyCompletedException: The deployment is already complete" (CodeDeploy API
    // Reference, StopDeployment, Errors).
    if (!ACTIVE.has(this.#status(d, this.now()))) {
      throw new DeploymentAlreadyCompletedException({
        message: `The deployment ${d.id} has already completed.`,
        $metadata: metadata(400),
      });
    }
    d.stoppedAt = this.now();
    if (input.autoRollbackEnabled) this.#rollbackAfter(d);
    return {
      status: 'Pending',
      statusMessage: input.autoRollbackEnabled
        ? 'Stopping the deployment; CodeDeploy will roll back to the last good revision.'
        : 'Stopping the deployment.',
    };
  }
}
