import { setTimeout as sleep } from 'node:timers/promises';
import { LAUNCH_EVENTS, TERMINATION_EVENTS } from '../codedeploy/lifecycle.js';
import { processesByMountNamespace } from '../proc.js';
import type { Rehearsal, RehearsalInstance } from '../rehearsal.js';
import { InstanceCpu } from './cpu.js';
import {
  aggregate,
  type Datapoint,
  type Evaluation,
  evaluate,
  PERIOD_SECONDS,
  type TargetTrackingPolicy,
} from './policy.js';

/**
 * How much faster than AWS the policy's clock runs here: 60 makes the metric's one-minute period a
 * second, so AlarmHigh's 3 minutes take 3 s, AlarmLow's 15 minutes 15 s and the stack's 120 s
 * warmup 2 s. Only the policy's clock is compressed: launching, installing, draining and the CPU
 * itself run in real time (a percentage is the same at any clock rate).
 */
export const TIME_COMPRESSION = 60;

/** The Auto Scaling lifecycle states an instance of the rehearsal's group goes through. */
export type LifecycleState =
  | 'Pending'
  | 'Pending:Wait'
  | 'InService'
  | 'Terminating'
  | 'Terminating:Wait'
  | 'Terminated';

export interface GroupMember {
  instance: RehearsalInstance;
  state: LifecycleState;
  launchedAt: number;
  /** When it entered InService (ms on the rehearsal's clock); it counts in the metric after the warmup. */
  inServiceAt?: number;
  cpu?: InstanceCpu;
  /** Its utilization in the last period, whether or not it counted. */
  lastCpu?: number;
}

export interface PeriodRecord {
  /** Milliseconds since the group started. */
  at: number;
  /** How long the period really lasted, and how long a period is meant to last (ms); its CPU is measured over the former. */
  lastedMs: number;
  periodMs: number;
  period: number;
  instances: { name: string; state: LifecycleState; cpu?: number; warming: boolean }[];
  metric: Datapoint;
  evaluation: Evaluation;
}

export interface ActivityRecord {
  at: number;
  instance: string;
  text: string;
}

export interface GroupOptions {
  policy: TargetTrackingPolicy;
  compression?: number;
  /** Called with each period and each activity as it happens. */
  onRecord?: (record: PeriodRecord | ActivityRecord) => void;
}

/**
 * The rehearsal's Auto Scaling group: its instances' lifecycle states, the target tracking policy
 * evaluated every period on their measured CPU, and the activities it starts — a launch, whose
 * instance waits in Pending:Wait while CodeDeploy installs the last successful revision (its launch
 * hook) and enters InService once that succeeded; a termination, which waits in Terminating:Wait while
 * CodeDeploy blocks its traffic and stops the application (its termination hook,
 * TerminationHookEnabled), then terminates it. Scale-in takes the newest instance (the NewestInstance
 * termination policy; the stack's Default policy ends, for one launch template in one zone, at the
 * instance closest to the next billing hour and then at random, neither of which means anything here).
 */
export class ScalingGroup {
  readonly members: GroupMember[] = [];
  readonly periods: PeriodRecord[] = [];
  readonly activities: ActivityRecord[] = [];
  desired: number;
  private readonly series: Datapoint[] = [];
  private readonly startedAt = performance.now();
  private readonly pendingWork = new Set<Promise<void>>();
  /** Launches asked for whose instance does not exist yet (EC2 is starting it: Pending). */
  private launching = 0;
  private firstSampleAt = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly periodMs: number;
  private readonly warmupMs: number;

  private constructor(
    private readonly rehearsal: Rehearsal,
    private readonly options: GroupOptions,
  ) {
    const compression = options.compression ?? TIME_COMPRESSION;
    this.periodMs = (PERIOD_SECONDS * 1000) / compression;
    this.warmupMs = (options.policy.warmupSeconds * 1000) / compression;
    this.desired = 0;
  }

  /** A group made of the rehearsal's instances, InService and past their warmup (they have been serving). */
  static async adopt(rehearsal: Rehearsal, options: GroupOptions): Promise<ScalingGroup> {
    const group = new ScalingGroup(rehearsal, options);
    for (const [index, instance] of rehearsal.instances.entries()) {
      group.members.push({
        instance,
        state: 'InService',
        // Before the group's clock started, in their order; long past any warmup.
        launchedAt: index - rehearsal.instances.length - group.warmupMs,
        inServiceAt: index - rehearsal.instances.length - group.warmupMs,
        cpu: await InstanceCpu.of(instance.agent.pid),
      });
    }
    group.desired = group.members.length;
    return group;
  }

  /** Milliseconds since the group was made: the clock of its records. */
  now(): number {
    return performance.now() - this.startedAt;
  }

  /** Milliseconds of the rehearsal's clock per policy period. */
  get period(): number {
    return this.periodMs;
  }

  /** Starts evaluating the policy every period. */
  start(): void {
    this.loop ??= (async () => {
      const processes = await processesByMountNamespace();
      for (const member of this.members) await member.cpu?.sample(processes);
      this.firstSampleAt = this.now();
      let next = performance.now() + this.periodMs;
      while (!this.stopped) {
        await sleep(Math.max(0, next - performance.now()));
        // A late period is measured over the time it really lasted; the next ones are not hurried.
        next = Math.max(next + this.periodMs, performance.now() + this.periodMs / 2);
        if (!this.stopped) await this.tick();
      }
    })();
  }

  private warming(member: GroupMember, at = this.now()) {
    return member.state === 'InService' && at - (member.inServiceAt ?? 0) < this.warmupMs;
  }

  private async tick(): Promise<void> {
    const processes = await processesByMountNamespace();
    const at = this.now();
    const lastedMs = at - (this.periods.at(-1)?.at ?? this.firstSampleAt);
    for (const member of this.members) {
      member.lastCpu = member.cpu ? await member.cpu.sample(processes) : undefined;
    }
    const inService = this.members.filter((member) => member.state === 'InService');
    const metric = aggregate(
      inService.flatMap((member) =>
        member.lastCpu === undefined ? [] : [{ cpu: member.lastCpu, contributes: !this.warming(member, at) }],
      ),
    );
    this.series.push(metric);
    const evaluation = evaluate(this.options.policy, this.series, {
      desired: this.desired,
      contributing: inService.filter((member) => !this.warming(member, at) && member.lastCpu !== undefined)
        .length,
      warming: inService.filter((member) => this.warming(member, at)).length,
      pending: this.launching + this.members.filter((member) => member.state.startsWith('Pending')).length,
    });
    const record: PeriodRecord = {
      at,
      lastedMs,
      periodMs: this.periodMs,
      period: this.series.length,
      instances: this.members
        .filter((member) => member.state !== 'Terminated')
        .map((member) => ({
          name: member.instance.name,
          state: member.state,
          cpu: member.lastCpu,
          warming: this.warming(member, at),
        })),
      metric,
      evaluation,
    };
    this.periods.push(record);
    this.options.onRecord?.(record);
    const { decision } = evaluation;
    if (decision.action !== 'none') this.desired = decision.to;
    this.reconcile();
  }

  /** Launches or terminates until the instances not terminating match the desired capacity. */
  private reconcile(): void {
    const active = this.members.filter(
      (member) => member.state.startsWith('Pending') || member.state === 'InService',
    );
    for (let missing = this.desired - active.length - this.launching; missing > 0; missing -= 1) {
      this.track(this.launch());
    }
    const removable = active
      .filter((member) => member.state === 'InService')
      .sort((a, b) => b.launchedAt - a.launchedAt);
    for (let extra = active.length - this.desired; extra > 0; extra -= 1) {
      const victim = removable.shift();
      if (victim) this.track(this.terminate(victim));
    }
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) =>
      this.activity('-', `activity failed: ${error instanceof Error ? error.message : String(error)}`),
    );
    this.pendingWork.add(tracked);
    void tracked.finally(() => this.pendingWork.delete(tracked));
  }

  private activity(instance: string, text: string): void {
    const record: ActivityRecord = { at: this.now(), instance, text };
    this.activities.push(record);
    this.options.onRecord?.(record);
  }

  private async launch(): Promise<void> {
    const revision = this.rehearsal.lastSuccessfulRevision;
    if (revision === undefined)
      throw new Error('no deployment has succeeded: nothing to install on a launched instance');
    const launchedAt = this.now();
    this.launching += 1;
    let member: GroupMember;
    try {
      const instance = await this.rehearsal.launchInstance();
      member = { instance, state: 'Pending', launchedAt };
      this.members.push(member);
    } finally {
      this.launching -= 1;
    }
    const { instance } = member;
    this.activity(instance.name, 'launched (Pending): its agent runs, HAProxy has it in maintenance');
    member.state = 'Pending:Wait';
    this.activity(
      instance.name,
      'Pending:Wait: CodeDeploy deploys the last successful revision (launch hook)',
    );
    const result = await this.rehearsal.runLifecycle(instance, revision, LAUNCH_EVENTS);
    const events = result.events
      .filter((event) => event.status !== 'Skipped')
      .map((event) => `${event.event} ${(event.durationMs / 1000).toFixed(2)}`)
      .join(', ');
    if (result.status !== 'Succeeded') {
      const failed = result.events.at(-1);
      this.activity(instance.name, `launch deployment failed at ${failed?.event}: ${failed?.error}; ABANDON`);
      await this.finish(member);
      return;
    }
    this.activity(
      instance.name,
      `launch deployment succeeded in ${(result.durationMs / 1000).toFixed(2)} s (${events})`,
    );
    member.cpu = await InstanceCpu.of(instance.agent.pid);
    await member.cpu.sample(await processesByMountNamespace());
    member.state = 'InService';
    member.inServiceAt = this.now();
    this.activity(
      instance.name,
      `CONTINUE → InService, serving through HAProxy; warming up for ${(this.warmupMs / 1000).toFixed(1)} s`,
    );
  }

  private async terminate(member: GroupMember): Promise<void> {
    const { instance } = member;
    member.state = 'Terminating';
    this.activity(instance.name, 'Terminating (scale-in, newest instance)');
    member.state = 'Terminating:Wait';
    const revision = this.rehearsal.lastSuccessfulRevision;
    if (revision !== undefined) {
      this.activity(instance.name, 'Terminating:Wait: CodeDeploy termination deployment (termination hook)');
      const result = await this.rehearsal.runLifecycle(instance, revision, TERMINATION_EVENTS);
      const events = result.events
        .filter((event) => event.status !== 'Skipped')
        .map((event) => `${event.event} ${(event.durationMs / 1000).toFixed(2)}`)
        .join(', ');
      this.activity(
        instance.name,
        `termination deployment ${result.status} in ${(result.durationMs / 1000).toFixed(2)} s (${events})`,
      );
    }
    await this.finish(member);
  }

  /** The instance terminated: its services stopped, its agent gone, out of HAProxy. */
  private async finish(member: GroupMember): Promise<void> {
    await this.rehearsal.terminateInstance(member.instance);
    member.state = 'Terminated';
    this.activity(member.instance.name, 'Terminated');
  }

  /** The instances in a state, by name. */
  names(state: LifecycleState): string[] {
    return this.members.filter((member) => member.state === state).map((member) => member.instance.name);
  }

  /** Whether every InService instance is past its warmup. */
  get warmedUp(): boolean {
    return this.members.every((member) => !this.warming(member));
  }

  /** Waits until `done` holds, checking every period; fails after `timeoutMs` naming `what`. */
  async waitFor(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!done()) {
      if (performance.now() > deadline)
        throw new Error(`the group did not ${what} within ${timeoutMs / 1000} s`);
      await sleep(this.periodMs / 4);
    }
  }

  /** Stops evaluating and waits for the activities under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    while (this.pendingWork.size > 0) await Promise.allSettled([...this.pendingWork]);
  }
}
