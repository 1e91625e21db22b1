import { describe, expect, inject, it } from 'vitest';
import { formatLoad } from '../report.js';
import { rehearseScaleOut } from './scenario.js';

describe('scale-out rehearsed: CPU stress on one instance under traffic, target tracking at 50 %, and back', () => {
  it('launches a second instance with the last successful revision, then drains it away, without a failed request', async () => {
    const lines: string[] = [];
    const report = await rehearseScaleOut({
      bundle: inject('revisions').one.file,
      rate: 20,
      threads: 4,
      scaleOutTimeoutMs: 150_000,
      scaleInTimeoutMs: 90_000,
      log: (line) => lines.push(line),
    });
    const timeline = `\n${lines.join('\n')}\n${formatLoad(report.load)}`;
    expect(report.sizes, timeline).toEqual([1, 2, 1]);
    expect(report.load.failed, timeline).toBe(0);
    // Every answer came from the revision installed first: the launched instance got the last
    // successful revision.
    expect(Object.keys(report.load.commits), timeline).toEqual(['rev-one']);
    expect(report.servers).toEqual({ inst1: 'UP' });

    // One decision each way, scale-out first.
    const decisions = report.periods.flatMap((period, index) =>
      period.evaluation.decision.action === 'none' ? [] : [{ index, ...period.evaluation.decision }],
    );
    expect(
      decisions.map(({ action, from, to }) => `${action} ${from}→${to}`),
      timeline,
    ).toEqual(['scale-out 1→2', 'scale-in 2→1']);
    const [out, back] = decisions as [(typeof decisions)[number], (typeof decisions)[number]];

    // Scale-out: AlarmHigh after 3 periods above the target, under the stress, measured on inst1.
    const beforeOut = report.periods.slice(out.index - 2, out.index + 1);
    expect(beforeOut.map((period) => period.evaluation.high.breaching)).toEqual([1, 2, 3]);
    for (const period of beforeOut) {
      expect(period.metric).toBeGreaterThan(50);
      expect(period.at).toBeGreaterThan(report.stressFrom);
    }

    // Scale-in: once the stress stopped, after 15 periods under 45 %, with no instance warming up.
    const window = report.periods.slice(back.index - 14, back.index + 1);
    expect(window.every((period) => period.metric !== undefined && period.metric < 45)).toBe(true);
    expect(report.periods[back.index]!.at).toBeGreaterThan(report.stressUntil);
    expect(report.periods[back.index]!.instances.some((instance) => instance.warming)).toBe(false);

    // inst2's life: the launch hook's deployment (no traffic to block: it never had any), InService,
    // then the termination hook's (its traffic blocked, then the application stopped), terminated.
    const life = report.activities.filter((activity) => activity.instance === 'inst2').map((a) => a.text);
    expect(life.map((text) => text.split(/[ :(]/)[0])).toEqual([
      'launched',
      'Pending',
      'launch',
      'CONTINUE',
      'Terminating',
      'Terminating',
      'termination',
      'Terminated',
    ]);
    const launch = life.find((text) => text.startsWith('launch deployment'))!;
    expect(launch).toMatch(
      /^launch deployment succeeded .*DownloadBundle .*BeforeInstall .*Install .*AfterInstall .*ApplicationStart .*ValidateService .*AllowTraffic /,
    );
    expect(launch).not.toMatch(/BlockTraffic|ApplicationStop/);
    const termination = life.find((text) => text.startsWith('termination deployment'))!;
    expect(termination).toMatch(
      /^termination deployment Succeeded .*\(BlockTraffic [\d.]+, ApplicationStop [\d.]+\)$/,
    );
  }, 360_000);
});
