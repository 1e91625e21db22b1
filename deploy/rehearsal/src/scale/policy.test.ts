import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../paths.js';
import {
  aggregate,
  type Datapoint,
  evaluate,
  type GroupCapacity,
  STACK_POLICY,
  type TargetTrackingPolicy,
} from './policy.js';

const one: GroupCapacity = { desired: 1, contributing: 1, warming: 0, pending: 0 };
const two: GroupCapacity = { desired: 2, contributing: 2, warming: 0, pending: 0 };
const repeat = <T>(value: T, times: number): T[] => Array.from({ length: times }, () => value);
/** The decision after each prefix of the series: what the policy does period after period. */
const actions = (series: Datapoint[], group: GroupCapacity, policy = STACK_POLICY) =>
  series.map((_, end) => evaluate(policy, series.slice(0, end + 1), group).decision.action);

describe('the target tracking policy (EC2 Auto Scaling user guide, target tracking and default instance warmup)', () => {
  it('is the stack’s own: TargetValue and DefaultInstanceWarmup as deploy/infra/template.yml sets them', () => {
    const template = readFileSync(join(REPO_ROOT, 'deploy/infra/template.yml'), 'utf8');
    const target = /CpuTargetTracking:[\s\S]*?ASGAverageCPUUtilization[\s\S]*?TargetValue: (\d+)/.exec(
      template,
    );
    expect(Number(target?.[1])).toBe(STACK_POLICY.targetValue);
    expect(Number(/DefaultInstanceWarmup: (\d+)/.exec(template)?.[1])).toBe(STACK_POLICY.warmupSeconds);
  });

  it('scales out once the metric has been above the target for 3 periods in a row (AlarmHigh, 3 of 3)', () => {
    expect(actions([80, 80, 80], one)).toEqual(['none', 'none', 'scale-out']);
    // A period at or below the target starts the count again.
    expect(actions([80, 80, 50, 80, 80, 80], one)).toEqual([
      'none',
      'none',
      'none',
      'none',
      'none',
      'scale-out',
    ]);
    expect(evaluate(STACK_POLICY, [80, 80, 80], one).decision).toMatchObject({ from: 1, to: 2 });
  });

  it('adds capacity in proportion to the metric, rounded up, and never beyond MaxSize', () => {
    const wide: TargetTrackingPolicy = { ...STACK_POLICY, maxSize: 6 };
    // 2 instances at 90 %: 3.6 instances would bring it to 50 %, so 4.
    expect(evaluate(wide, [90, 90, 90], two).decision).toMatchObject({ action: 'scale-out', to: 4 });
    // 1 instance at 51 %: 1.02 → 2.
    expect(evaluate(wide, [51, 51, 51], one).decision).toMatchObject({ action: 'scale-out', to: 2 });
    const capped = evaluate(STACK_POLICY, [100, 100, 100], two).decision;
    expect(capped.action).toBe('none');
    expect(capped.reason).toMatch(/at MaxSize 2/);
  });

  it('counts warming and launching instances as desired capacity, so a lasting alarm launches once', () => {
    // The alarm stays in ALARM and invokes the policy every period; the first invocation raised the
    // desired capacity to 2, the instance is launching, then warming: nothing more is launched.
    const launching: GroupCapacity = { desired: 2, contributing: 1, warming: 0, pending: 1 };
    const warming: GroupCapacity = { desired: 2, contributing: 1, warming: 1, pending: 0 };
    const wide: TargetTrackingPolicy = { ...STACK_POLICY, maxSize: 6 };
    expect(evaluate(wide, [90, 90, 90, 90], launching).decision.action).toBe('none');
    expect(evaluate(wide, [90, 90, 90, 90, 90], warming).decision.reason).toMatch(/covered by the capacity/);
    // Unless the instances not warming up need more still: 1 at 100 % → 2, already desired; 2 at
    // 100 % with 1 warming → 4 > 3.
    const bigger: GroupCapacity = { desired: 3, contributing: 2, warming: 1, pending: 0 };
    expect(evaluate(wide, [100, 100, 100], bigger).decision).toMatchObject({ action: 'scale-out', to: 4 });
  });

  it('scales in only after 15 periods below the lower threshold (AlarmLow, 15 of 15, 10 % under the target)', () => {
    const quiet = repeat(5, 15);
    expect(actions(quiet, two)).toEqual([...repeat('none', 14), 'scale-in']);
    expect(evaluate(STACK_POLICY, quiet, two).decision).toMatchObject({ from: 2, to: 1 });
    // Between the threshold (45 %) and the target nothing moves either way.
    expect(actions(repeat(47, 20), two)).toEqual(repeat('none', 20));
    // One busy period in the window restarts the count.
    expect(actions([...repeat(5, 10), 46, ...repeat(5, 14)], two).at(-1)).toBe('none');
  });

  it('removes no more than the metric allows: the capacity needed is rounded up', () => {
    const wide: TargetTrackingPolicy = { ...STACK_POLICY, maxSize: 6 };
    const three: GroupCapacity = { desired: 3, contributing: 3, warming: 0, pending: 0 };
    // 3 at 30 %: 1.8 instances would do, so 2 stay (one removed, not 1.2).
    expect(evaluate(wide, repeat(30, 15), three).decision).toMatchObject({ action: 'scale-in', to: 2 });
    // Never below MinSize.
    const floor = evaluate(STACK_POLICY, repeat(1, 15), one).decision;
    expect(floor.action).toBe('none');
    expect(floor.reason).toMatch(/at MinSize 1/);
  });

  it('does not scale in while an instance warms up or a scale-out is in progress', () => {
    const warming: GroupCapacity = { desired: 2, contributing: 1, warming: 1, pending: 0 };
    expect(evaluate(STACK_POLICY, repeat(5, 15), warming).decision.reason).toMatch(
      /blocked while 1 instance/,
    );
    const launching: GroupCapacity = { desired: 2, contributing: 1, warming: 0, pending: 1 };
    expect(evaluate(STACK_POLICY, repeat(5, 15), launching).decision.reason).toMatch(
      /scale-out is in progress/,
    );
  });

  it('has no cooldown: the period after an activity completed may start the next one', () => {
    // A scale-out has just completed and its instance warmed up; the alarm's window is already low.
    const series = [...repeat(90, 3), ...repeat(5, 15)];
    expect(evaluate(STACK_POLICY, series, two).decision).toMatchObject({
      action: 'scale-in',
      from: 2,
      to: 1,
    });
  });

  it('does not read missing data as low (or high) utilization', () => {
    expect(actions([...repeat(5, 14), undefined], two).at(-1)).toBe('none');
    expect(actions([80, undefined, 80], one).at(-1)).toBe('none');
    expect(evaluate(STACK_POLICY, [undefined, undefined, undefined], one).high).toEqual({
      breaching: 0,
      of: 3,
      inAlarm: false,
    });
  });

  it('aggregates the InService instances past their warmup only', () => {
    expect(
      aggregate([
        { cpu: 90, contributes: true },
        { cpu: 70, contributes: true },
        { cpu: 100, contributes: false },
      ]),
    ).toBe(80);
    expect(aggregate([{ cpu: 100, contributes: false }])).toBeUndefined();
  });
});
