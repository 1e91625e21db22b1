import type { ActivityRecord, PeriodRecord } from './group.js';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1).padStart(6)} s`;
const percent = (value: number | undefined) => (value === undefined ? '  -  ' : `${value.toFixed(1)} %`);

/** One line of the timeline: a policy period (each instance's CPU, the metric, both alarms, the decision) or an activity. */
export function formatRecord(record: PeriodRecord | ActivityRecord): string {
  if ('text' in record) return `${seconds(record.at)}            ${record.instance}: ${record.text}`;
  const instances = record.instances
    .map((instance) => {
      const note = instance.warming
        ? ' (warming)'
        : instance.state === 'InService'
          ? ''
          : ` (${instance.state})`;
      return `${instance.name} ${percent(instance.cpu)}${note}`;
    })
    .join(', ');
  const { high, low, decision } = record.evaluation;
  const action =
    decision.action === 'none'
      ? decision.reason === 'no alarm'
        ? ''
        : `  hold: ${decision.reason}`
      : `  ${decision.action === 'scale-out' ? 'SCALE OUT' : 'SCALE IN'} ${decision.from} → ${decision.to}: ${decision.reason}`;
  // A period the rehearsal's own load made late is measured over the time it lasted, and says so.
  const late =
    record.lastedMs > 1.5 * record.periodMs ? ` (over ${(record.lastedMs / 1000).toFixed(1)} s)` : '';
  return (
    `${seconds(record.at)}  min ${String(record.period).padStart(3)}${late}  ${instances} | group ${percent(record.metric)}` +
    `, AlarmHigh ${high.breaching}/${high.of}, AlarmLow ${low.breaching}/${low.of}${action}`
  );
}

/** The group's InService count, period by period, without repeats: [1, 2, 1] for a scale-out and back. */
export function sizes(periods: readonly PeriodRecord[]): number[] {
  const counts = periods.map(
    (period) => period.instances.filter((instance) => instance.state === 'InService').length,
  );
  return counts.filter((count, index) => index === 0 || count !== counts[index - 1]);
}
