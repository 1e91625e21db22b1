import { setTimeout as sleep } from 'node:timers/promises';
import { Load, type LoadReport } from '../load/load.js';
import { DEFAULT_OPTIONS, Rehearsal } from '../rehearsal.js';
import { formatDeployment } from '../report.js';
import { CpuBurner } from './burner.js';
import { type ActivityRecord, type PeriodRecord, ScalingGroup } from './group.js';
import { STACK_POLICY, type TargetTrackingPolicy } from './policy.js';
import { formatRecord, sizes } from './timeline.js';

export interface ScaleOutOptions {
  /** The revision installed first, and so the last successful one a launched instance gets. */
  bundle: string;
  /** Shared by the instances; default: one SQLite file (the revision must then carry sqlite3). */
  databaseUrl?: string;
  /** Requests per second through HAProxy for the whole scenario. */
  rate: number;
  /** The stress on the first instance: its busy threads (burner.ts). */
  threads: number;
  policy?: TargetTrackingPolicy;
  /** How long scale-out (launch, install, InService, warmup) and then scale-in may take, in ms. */
  scaleOutTimeoutMs: number;
  scaleInTimeoutMs: number;
  keep?: boolean;
  log: (line: string) => void;
}

export interface ScaleOutReport {
  load: LoadReport;
  periods: PeriodRecord[];
  activities: ActivityRecord[];
  /** InService instances over time, without repeats. */
  sizes: number[];
  /** When the stress started and stopped, ms on the group's clock. */
  stressFrom: number;
  stressUntil: number;
  /** HAProxy's servers at the end. */
  servers: Record<string, string>;
}

/**
 * The original project's demonstration, rehearsed: one instance behind the balancer under steady
 * traffic; CPU stress on it until the group has scaled out to two and the new one has warmed up; the
 * stress stops; the group scales back in to one. The timeline is logged as it happens.
 */
export async function rehearseScaleOut(options: ScaleOutOptions): Promise<ScaleOutReport> {
  const policy = options.policy ?? STACK_POLICY;
  const rehearsal = await Rehearsal.start({
    ...DEFAULT_OPTIONS,
    instances: policy.minSize,
    databaseUrl: options.databaseUrl,
    keep: options.keep,
    log: options.log,
  });
  rehearsal.stopOnInterrupt();
  let load: Load | undefined;
  let group: ScalingGroup | undefined;
  let burner: CpuBurner | undefined;
  try {
    const initial = await rehearsal.deploy(options.bundle);
    if (initial.status !== 'Succeeded') {
      throw new Error(`the first install failed:\n${formatDeployment(initial, 'initial install')}`);
    }
    load = new Load({ url: rehearsal.url, ratePerSecond: options.rate, token: rehearsal.token });
    group = await ScalingGroup.adopt(rehearsal, {
      policy,
      onRecord: (record) => options.log(formatRecord(record)),
    });
    options.log(
      `target tracking at ${policy.targetValue} % average CPU, ${policy.minSize}–${policy.maxSize} instances, ` +
        `warmup ${policy.warmupSeconds} s; one policy minute lasts ${group.period / 1000} s here; ` +
        `${options.rate} requests/s through HAProxy throughout`,
    );
    group.start();
    await sleep(group.period * 3);

    const stressed = rehearsal.instances[0]!;
    const bound = (options.scaleOutTimeoutMs + 30_000) / 1000;
    burner = await CpuBurner.start(stressed, { threads: options.threads, maxSeconds: bound });
    const stressFrom = group.now();
    options.log(
      `--- stress: ${options.threads} busy threads on ${stressed.name} (stopping by itself after ${bound} s)`,
    );
    await group.waitFor(
      `scale out to ${policy.maxSize} InService instances past their warmup`,
      () => group!.names('InService').length === policy.maxSize && group!.warmedUp,
      options.scaleOutTimeoutMs,
    );
    await burner.stop();
    const stressUntil = group.now();
    options.log(`--- the stress stops`);
    await group.waitFor(
      `scale back in to ${policy.minSize} instance(s)`,
      () =>
        group!.names('Terminated').length > 0 &&
        group!.members.every((member) => member.state === 'InService' || member.state === 'Terminated') &&
        // …and a period has been measured since, on the instances left.
        sizes(group!.periods).at(-1) === policy.minSize,
      options.scaleInTimeoutMs,
    );
    await group.stop();
    const loadReport = await load.stop();
    load = undefined;
    return {
      load: loadReport,
      periods: group.periods,
      activities: group.activities,
      sizes: sizes(group.periods),
      stressFrom,
      stressUntil,
      servers: await rehearsal.serverStates(),
    };
  } finally {
    await burner?.stop();
    await group?.stop();
    await load?.stop();
    await rehearsal.stop();
  }
}
