import {
  ActiveInstanceRefreshNotFoundFault,
  AutoScalingServiceException,
  type CancelInstanceRefreshCommandInput,
  type DescribeInstanceRefreshesCommandInput,
  type InstanceRefresh,
  InstanceRefreshInProgressFault,
  type InstanceRefreshStatus,
  IrreversibleInstanceRefreshFault,
  type RollbackInstanceRefreshCommandInput,
  type StartInstanceRefreshCommandInput,
} from '@aws-sdk/client-auto-scaling';
import { CallLedger, metadata } from './calls.js';

/** One step of a scripted refresh: from `afterSeconds` after the start, the refresh looks like this. */
export interface RefreshStep {
  afterSeconds: number;
  status: InstanceRefreshStatus;
  percentage?: number;
  instancesToUpdate?: number;
  statusReason?: string;
}

export interface RefreshScenario {
  steps: RefreshStep[];
  /** How long Cancelling lasts before Cancelled (default 20 s). */
  cancelSeconds?: number;
  /** How long a requested rollback takes (default 60 s). */
  rollbackSeconds?: number;
}

interface Snapshot {
  status: InstanceRefreshStatus;
  percentage: number;
  instancesToUpdate: number;
  statusReason?: string;
  rollbackStart?: number;
  rollbackReason?: string;
}

interface SimRefresh {
  id: string;
  group: string;
  startedAt: number;
  input: StartInstanceRefreshCommandInput;
  /** Absolute-time events; the refresh's state at time t is every event with `at <= t` folded together. */
  events: Array<{ at: number; change: Partial<Snapshot> }>;
  scenario: RefreshScenario;
}

const ACTIVE: ReadonlySet<InstanceRefreshStatus> = new Set([
  'Pending',
  'InProgress',
  'Cancelling',
  'RollbackInProgress',
  'Baking',
]);
const TERMINAL: ReadonlySet<InstanceRefreshStatus> = new Set([
  'Successful',
  'Failed',
  'Cancelled',
  'RollbackSuccessful',
  'RollbackFailed',
]);

/** A refresh that launches before terminating: 4 instances, done in 5 minutes. */
export const SUCCESSFUL_REFRESH: RefreshScenario = {
  steps: [
    { afterSeconds: 0, status: 'Pending', percentage: 0, instancesToUpdate: 4 },
    { afterSeconds: 20, status: 'InProgress', percentage: 0, instancesToUpdate: 4 },
    { afterSeconds: 90, status: 'InProgress', percentage: 25, instancesToUpdate: 3 },
    { afterSeconds: 150, status: 'InProgress', percentage: 50, instancesToUpdate: 2 },
    { afterSeconds: 210, status: 'InProgress', percentage: 75, instancesToUpdate: 1 },
    { afterSeconds: 300, status: 'Successful', percentage: 100, instancesToUpdate: 0 },
  ],
};

/**
 * A refresh whose last checkpoint is below 100 (a canary): it replaces that share of the group and ends
 * Successful. "The last value shown in the CheckpointPercentages array describes the percentage of the
 * Auto Scaling group that needs to be successfully replaced. After this percentage is successfully
 * replaced, and each instance is considered to have finished initializing, the operation transitions to
 * Successful" (Amazon EC2 Auto Scaling User Guide, "Enable checkpoints", CLI); "To replace all instances
 * in the Auto Scaling group, the last number in the array must be 100" (API Reference, RefreshPreferences,
 * CheckpointPercentages). No checkpoint is left to wait at, so CheckpointDelay never resumes it.
 */
export function partialRefresh(percentage: number): RefreshScenario {
  return {
    steps: [
      { afterSeconds: 0, status: 'Pending', percentage: 0, instancesToUpdate: 1 },
      { afterSeconds: 20, status: 'InProgress', percentage: 0, instancesToUpdate: 1 },
      { afterSeconds: 150, status: 'Successful', percentage, instancesToUpdate: 0 },
    ],
  };
}

/** The last checkpoint of a refresh's preferences when it is below 100 (the refresh stops there). */
export function lastCheckpointBelow100(input: StartInstanceRefreshCommandInput): number | undefined {
  const last = input.Preferences?.CheckpointPercentages?.at(-1);
  return last !== undefined && last < 100 ? last : undefined;
}

/**
 * A fake of the Auto Scaling instance-refresh API (StartInstanceRefresh, DescribeInstanceRefreshes,
 * CancelInstanceRefresh, RollbackInstanceRefresh) whose refreshes follow scripted timelines on a clock.
 */
export class AutoScalingSim {
  readonly ledger: CallLedger;
  readonly refreshes: SimRefresh[] = [];
  #scenarios: RefreshScenario[] = [];
  #nextId = 1;

  constructor(
    private readonly now: () => number,
    private readonly groups: ReadonlySet<string> = new Set(['dealership-web']),
  ) {
    this.ledger = new CallLedger(now);
  }

  /** The next StartInstanceRefresh follows this script (then SUCCESSFUL_REFRESH by default). */
  script(scenario: RefreshScenario): this {
    this.#scenarios.push(scenario);
    return this;
  }

  /** A refresh somebody else started `secondsAgo` seconds ago, following `scenario`. */
  seedRefresh(
    group: string,
    input: Omit<StartInstanceRefreshCommandInput, 'AutoScalingGroupName'>,
    scenario: RefreshScenario,
    secondsAgo = 60,
  ): string {
    return this.#begin({ ...input, AutoScalingGroupName: group }, scenario, this.now() - secondsAgo * 1000);
  }

  handle(operation: string, input: unknown): object {
    return this.ledger.serve(
      'Auto Scaling',
      operation,
      input,
      (fields) => new AutoScalingServiceException({ name: 'Throttling', ...fields }),
      {
        StartInstanceRefresh: (i) => this.#start(i as StartInstanceRefreshCommandInput),
        DescribeInstanceRefreshes: (i) => this.#describe(i as DescribeInstanceRefreshesCommandInput),
        CancelInstanceRefresh: (i) => this.#cancel(i as CancelInstanceRefreshCommandInput),
        RollbackInstanceRefresh: (i) => this.#rollback(i as RollbackInstanceRefreshCommandInput),
      },
    );
  }

  /** The state of a refresh now, as DescribeInstanceRefreshes shows it. */
  view(refresh: SimRefresh): InstanceRefresh {
    const now = this.now();
    const snap = this.#snapshot(refresh, now);
    const ended = refresh.events.find((e) => e.at <= now && e.change.status && TERMINAL.has(e.change.status));
    return {
      InstanceRefreshId: refresh.id,
      AutoScalingGroupName: refresh.group,
      Status: snap.status,
      StatusReason: snap.statusReason,
      StartTime: new Date(refresh.startedAt),
      EndTime: ended ? new Date(ended.at) : undefined,
      PercentageComplete: snap.percentage,
      InstancesToUpdate: snap.instancesToUpdate,
      ProgressDetails: {
        LivePoolProgress: { PercentageComplete: snap.percentage, InstancesToUpdate: snap.instancesToUpdate },
      },
      Preferences: refresh.input.Preferences,
      DesiredConfiguration: refresh.input.DesiredConfiguration,
      Strategy: 'Rolling',
      RollbackDetails:
        snap.rollbackStart === undefined
          ? undefined
          : {
              RollbackReason: snap.rollbackReason,
              RollbackStartTime: new Date(snap.rollbackStart),
              PercentageCompleteOnRollback: snap.status === 'RollbackSuccessful' ? 100 : 0,
            },
    };
  }

  #snapshot(refresh: SimRefresh, at: number): Snapshot {
    let snap: Snapshot = { status: 'Pending', percentage: 0, instancesToUpdate: 0 };
    for (const e of refresh.events) if (e.at <= at) snap = { ...snap, ...e.change };
    return snap;
  }

  #begin(input: StartInstanceRefreshCommandInput, scenario: RefreshScenario, startedAt: number): string {
    const id = `${(this.#nextId++).toString(16).padStart(8, '0')}-0000-4000-8000-00000000aaaa`;
    const events = scenario.steps.map((s) => ({
      at: startedAt + s.afterSeconds * 1000,
      change: {
        status: s.status,
        percentage: s.percentage ?? 0,
        instancesToUpdate: s.instancesToUpdate ?? 0,
        statusReason: s.statusReason,
        ...(s.status === 'RollbackInProgress' ? { rollbackStart: startedAt + s.afterSeconds * 1000 } : {}),
        ...(s.status === 'RollbackInProgress' ? { rollbackReason: s.statusReason } : {}),
      },
    }));
    this.refreshes.push({ id, group: input.AutoScalingGroupName!, startedAt, input, events, scenario });
    return id;
  }

  #activeOn(group: string): SimRefresh | undefined {
    return this.refreshes.find((r) => r.group === group && ACTIVE.has(this.#snapshot(r, this.now()).status));
  }

  #start(input: StartInstanceRefreshCommandInput) {
    const group = input.AutoScalingGroupName ?? '';
    if (!this.groups.has(group)) throw validationError(`AutoScalingGroup name not found - ${group}`);
    const version = input.DesiredConfiguration?.LaunchTemplate?.Version;
    if (input.Preferences?.AutoRollback && (!version || version.startsWith('$'))) {
      throw validationError(
        'Auto rollback requires a desired configuration naming a specific launch template version',
      );
    }
    // "InstanceRefreshInProgress: The request failed because an active instance refresh already exists
    // for the specified Auto Scaling group" (Amazon EC2 Auto Scaling API Reference, StartInstanceRefresh, Errors).
    const active = this.#activeOn(group);
    if (active) {
      throw new InstanceRefreshInProgressFault({
        message: `An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.`,
        $metadata: metadata(400),
      });
    }
    const partial = lastCheckpointBelow100(input);
    const fallback = partial === undefined ? SUCCESSFUL_REFRESH : partialRefresh(partial);
    return { InstanceRefreshId: this.#begin(input, this.#scenarios.shift() ?? fallback, this.now()) };
  }

  #describe(input: DescribeInstanceRefreshesCommandInput) {
    const wanted = input.InstanceRefreshIds?.length ? new Set(input.InstanceRefreshIds) : undefined;
    const list = this.refreshes
      .filter((r) => r.group === input.AutoScalingGroupName && (!wanted || wanted.has(r.id)))
      .sort((a, b) => b.startedAt - a.startedAt)
      .slice(0, input.MaxRecords ?? 50);
    return { InstanceRefreshes: list.map((r) => this.view(r)) };
  }

  /**
   * "ActiveInstanceRefreshNotFound: The request failed because an active instance refresh or rollback
   * for the specified Auto Scaling group was not found" (Amazon EC2 Auto Scaling API Reference,
   * CancelInstanceRefresh and RollbackInstanceRefresh, Errors); "IrreversibleInstanceRefresh: ... a
   * desired configuration was not found or an incompatible launch template (uses a Systems Manager
   * parameter instead of an AMI ID) or launch template version ($Latest or $Default) is present"
   * (RollbackInstanceRefresh, Errors).
   */
  #cancel(input: CancelInstanceRefreshCommandInput) {
    const refresh = this.#activeOn(input.AutoScalingGroupName ?? '');
    const status = refresh && this.#snapshot(refresh, this.now()).status;
    if (!refresh || (status !== 'Pending' && status !== 'InProgress' && status !== 'Baking')) {
      throw new ActiveInstanceRefreshNotFoundFault({
        message: 'No in progress or pending Instance Refresh found for Auto Scaling group',
        $metadata: metadata(400),
      });
    }
    const now = this.now();
    const seconds = refresh.scenario.cancelSeconds ?? 20;
    refresh.events = refresh.events.filter((e) => e.at <= now);
    refresh.events.push(
      { at: now, change: { status: 'Cancelling', statusReason: 'Cancellation requested' } },
      { at: now + seconds * 1000, change: { status: 'Cancelled', statusReason: 'Cancelled by request' } },
    );
    return { InstanceRefreshId: refresh.id };
  }

  #rollback(input: RollbackInstanceRefreshCommandInput) {
    const refresh = this.#activeOn(input.AutoScalingGroupName ?? '');
    const snap = refresh && this.#snapshot(refresh, this.now());
    if (!refresh || !snap || (snap.status !== 'Pending' && snap.status !== 'InProgress')) {
      throw new ActiveInstanceRefreshNotFoundFault({
        message: 'No in progress or pending Instance Refresh found for Auto Scaling group',
        $metadata: metadata(400),
      });
    }
    const version = refresh.input.DesiredConfiguration?.LaunchTemplate?.Version;
    if (!version || version.startsWith('$')) {
      throw new IrreversibleInstanceRefreshFault({
        message: 'The instance refresh cannot be rolled back: it names no specific launch template version',
        $metadata: metadata(400),
      });
    }
    const now = this.now();
    const seconds = refresh.scenario.rollbackSeconds ?? 60;
    const reason = 'Rollback requested by user';
    refresh.events = refresh.events.filter((e) => e.at <= now);
    refresh.events.push(
      {
        at: now,
        change: {
          status: 'RollbackInProgress',
          statusReason: reason,
          rollbackStart: now,
          rollbackReason: reason,
        },
      },
      { at: now + seconds * 1000, change: { status: 'RollbackSuccessful', statusReason: reason } },
    );
    return { InstanceRefreshId: refresh.id };
  }
}

function validationError(message: string): AutoScalingServiceException {
  return new AutoScalingServiceException({
    name: 'ValidationError',
    message,
    $fault: 'client',
    $metadata: metadata(400),
  });
}
