/**
 * A target tracking scaling policy on the group's average CPU, decided the way Amazon EC2 Auto Scaling
 * documents it. Times are the policy's own (AWS) seconds; the rehearsal compresses them (clock.ts).
 *
 * Sources (Amazon EC2 Auto Scaling User Guide unless named):
 * - "Target tracking scaling policies" (as-scaling-target-tracking): the policy creates and manages the
 *   CloudWatch alarms; it scales out when the metric is above the target; it rounds up when adding and
 *   down when removing ("we remove just one instance" where 1.5 would do), so it never adds too few nor
 *   removes too many; it "scales out proportionally to the metric as fast as it can, but scales in more
 *   gradually"; it does not scale in on insufficient data; a scale-in activity can't start while a
 *   scale-out activity is in progress.
 * - "Set the default instance warmup" (ec2-auto-scaling-default-instance-warmup): a warming instance's
 *   usage is not in the aggregated metric; while instances warm up, the policy scales out only if the
 *   metric of the instances not warming up is above the target, counting the warming ones as part of
 *   the desired capacity; scale-in is blocked until they finish warming up.
 * - "Available warm-up and cooldown settings" (consolidated-view-of-warm-up-and-cooldown-settings) and
 *   "Scaling cooldowns": cooldowns apply to simple scaling policies only; with DefaultInstanceWarmup a
 *   target tracking policy has none.
 * - CloudWatch User Guide, "Using Amazon CloudWatch alarms": an alarm with an Auto Scaling action
 *   invokes it once per minute while it stays in ALARM, not only when it changes state.
 * - Application Auto Scaling User Guide, "How target tracking scaling works": capacity is removed only
 *   once utilization is far enough below the target, "usually more than 10%", for long enough.
 * - The two alarms a target tracking policy creates, as DescribeAlarms (and the console) show them:
 *   `TargetTracking-<group>-AlarmHigh`, the metric above the target for 3 datapoints within 3 minutes,
 *   and `…-AlarmLow`, below the lower threshold for 15 datapoints within 15 minutes. The guides do not
 *   print these numbers; they are the policy's documented alarms' settings as AWS creates them.
 */

/** One minute: the period of the metric and of both alarms (1-minute detailed monitoring). */
export const PERIOD_SECONDS = 60;

export interface TargetTrackingPolicy {
  /** TargetTrackingConfiguration.TargetValue: average CPU utilization, percent. */
  targetValue: number;
  minSize: number;
  maxSize: number;
  /** AlarmHigh: datapoints above the target, out of as many periods (3 of 3). */
  scaleOutDatapoints: number;
  /** AlarmLow: datapoints below its threshold, out of as many periods (15 of 15). */
  scaleInDatapoints: number;
  /** AlarmLow's threshold as a fraction of the target: "more than 10 %" below it. */
  scaleInThresholdRatio: number;
  /** DefaultInstanceWarmup, seconds after InService before an instance's usage counts. */
  warmupSeconds: number;
}

/**
 * The stack's policy (deploy/infra/template.yml: CpuTargetTracking TargetValue 50, DefaultInstanceWarmup
 * 120) on the group of the original project's demonstration, one instance that may grow to two
 * (scale.test.ts checks these against the template).
 */
export const STACK_POLICY: TargetTrackingPolicy = {
  targetValue: 50,
  minSize: 1,
  maxSize: 2,
  scaleOutDatapoints: 3,
  scaleInDatapoints: 15,
  scaleInThresholdRatio: 0.9,
  warmupSeconds: 120,
};

/** The group as the policy counts it when it is invoked. */
export interface GroupCapacity {
  desired: number;
  /** InService and warmed up: the instances whose usage makes the metric. */
  contributing: number;
  /** InService, still warming up. */
  warming: number;
  /** Launching: Pending, Pending:Wait (CodeDeploy's launch deployment), Pending:Proceed. */
  pending: number;
}

/** One period's aggregated metric; undefined when no instance contributed (insufficient data). */
export type Datapoint = number | undefined;

export interface AlarmState {
  /** Breaching datapoints among the last N periods, and N. */
  breaching: number;
  of: number;
  inAlarm: boolean;
}

export type Decision =
  | { action: 'none'; reason: string }
  | { action: 'scale-out' | 'scale-in'; from: number; to: number; reason: string };

export interface Evaluation {
  high: AlarmState;
  low: AlarmState;
  decision: Decision;
}

/** An M-of-M alarm on the last M datapoints; a missing one keeps it out of ALARM. */
function alarm(series: readonly Datapoint[], datapoints: number, breaches: (value: number) => boolean) {
  const window = series.slice(-datapoints);
  const breaching = window.filter((value) => value !== undefined && breaches(value)).length;
  return { breaching, of: datapoints, inAlarm: window.length === datapoints && breaching === datapoints };
}

const percent = (value: number) => `${value.toFixed(1)} %`;

/**
 * What the policy does when its alarms are evaluated after a period: `series` holds the aggregated
 * metric of every period so far, the latest last.
 */
export function evaluate(
  policy: TargetTrackingPolicy,
  series: readonly Datapoint[],
  group: GroupCapacity,
): Evaluation {
  const lowThreshold = policy.targetValue * policy.scaleInThresholdRatio;
  const high = alarm(series, policy.scaleOutDatapoints, (value) => value > policy.targetValue);
  const low = alarm(series, policy.scaleInDatapoints, (value) => value < lowThreshold);
  const metric = series.at(-1);
  const clamp = (count: number) => Math.min(policy.maxSize, Math.max(policy.minSize, count));
  // The capacity that would bring the contributing instances' average to the target.
  const needed = (value: number) => (group.contributing * value) / policy.targetValue;

  if (high.inAlarm && metric !== undefined) {
    // Rounded up; warming and launching instances are already part of the desired capacity.
    const to = clamp(Math.max(group.desired, Math.ceil(needed(metric))));
    const why = `AlarmHigh: ${percent(metric)} > ${policy.targetValue} % for ${high.of} periods; ${group.contributing} × ${metric.toFixed(1)} / ${policy.targetValue} → ${Math.ceil(needed(metric))}`;
    if (to > group.desired)
      return { high, low, decision: { action: 'scale-out', from: group.desired, to, reason: why } };
    const held =
      group.desired >= policy.maxSize
        ? `at MaxSize ${policy.maxSize}`
        : 'covered by the capacity already desired';
    return { high, low, decision: { action: 'none', reason: `${why}; ${held}` } };
  }
  if (low.inAlarm && metric !== undefined) {
    const why = `AlarmLow: below ${percent(lowThreshold)} for ${low.of} periods`;
    if (group.pending > 0) {
      return { high, low, decision: { action: 'none', reason: `${why}; a scale-out is in progress` } };
    }
    if (group.warming > 0) {
      return {
        high,
        low,
        decision: { action: 'none', reason: `${why}; blocked while ${group.warming} instance(s) warm up` },
      };
    }
    // Rounded up, so no more is removed than the metric allows.
    const to = clamp(Math.ceil(needed(metric)));
    if (to < group.desired) {
      return {
        high,
        low,
        decision: {
          action: 'scale-in',
          from: group.desired,
          to,
          reason: `${why}; ${group.contributing} × ${metric.toFixed(1)} / ${policy.targetValue} → ${Math.ceil(needed(metric))}`,
        },
      };
    }
    return { high, low, decision: { action: 'none', reason: `${why}; at MinSize ${policy.minSize}` } };
  }
  return { high, low, decision: { action: 'none', reason: 'no alarm' } };
}

/**
 * The group's aggregated metric for a period (ASGAverageCPUUtilization): the average of the InService
 * instances past their warmup; undefined when there are none.
 */
export function aggregate(samples: readonly { cpu: number; contributes: boolean }[]): Datapoint {
  const counted = samples.filter((sample) => sample.contributes);
  if (counted.length === 0) return undefined;
  return counted.reduce((sum, sample) => sum + sample.cpu, 0) / counted.length;
}
