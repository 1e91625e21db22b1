import type { RefreshPreferences } from '@aws-sdk/client-auto-scaling';
import {
  InputError,
  type LaunchTemplateRef,
  launchTemplateRef,
  readBoolean,
  readEnum,
  readInteger,
  readList,
  readRegion,
  readRequired,
  readString,
  readVersionSpec,
} from '../../lib/index.js';

export const ON_CANCEL = ['rollback', 'cancel', 'none'] as const;
export type OnCancel = (typeof ON_CANCEL)[number];

/** The launch template a refresh rolls the group to (by id or by name) and its version, as the API takes it. */
export type RefreshTemplate = LaunchTemplateRef & { Version: string };

export interface RefreshInputs {
  region: string;
  group: string;
  launchTemplate: RefreshTemplate;
  preferences: RefreshPreferences;
  timeoutMs: number;
  pollMs: number;
  onCancel: OnCancel;
}

/** Reads and checks every input; an InputError names the input and the value it refused. */
export function readRefreshInputs(): RefreshInputs {
  const autoRollback = readBoolean('auto-rollback', true);
  const template = readRequired('launch-template');
  const minHealthy = readInteger('min-healthy-percentage', { fallback: 100, min: 0, max: 100 });
  const maxHealthy = readInteger('max-healthy-percentage', { fallback: 200, min: 100, max: 200 });
  if (maxHealthy - minHealthy > 100) {
    throw new InputError(
      'max-healthy-percentage',
      String(maxHealthy),
      `must be at most 100 above min-healthy-percentage (${minHealthy})`,
    );
  }
  const checkpoints = readCheckpoints();
  const checkpointDelay = readString('checkpoint-delay');
  if (checkpointDelay !== '' && checkpoints.length === 0) {
    throw new InputError('checkpoint-delay', checkpointDelay, 'needs checkpoint-percentages');
  }
  const warmup = readString('instance-warmup');
  const alarms = readList('alarms');
  return {
    region: readRegion(),
    group: readRequired('auto-scaling-group'),
    launchTemplate: { ...launchTemplateRef(template), Version: readVersion(autoRollback) },
    preferences: {
      MinHealthyPercentage: minHealthy,
      MaxHealthyPercentage: maxHealthy,
      SkipMatching: readBoolean('skip-matching', true),
      AutoRollback: autoRollback,
      ...(warmup === '' ? {} : { InstanceWarmup: readInteger('instance-warmup', { fallback: 0, min: 0 }) }),
      ...(checkpoints.length === 0 ? {} : { CheckpointPercentages: checkpoints }),
      ...(checkpointDelay === ''
        ? {}
        : { CheckpointDelay: readInteger('checkpoint-delay', { fallback: 3600, min: 0, max: 172_800 }) }),
      ...(alarms.length === 0 ? {} : { AlarmSpecification: { Alarms: alarms } }),
    },
    timeoutMs: readInteger('timeout-minutes', { fallback: 60, min: 1, max: 1440 }) * 60_000,
    pollMs: readInteger('poll-seconds', { fallback: 15, min: 1 }) * 1000,
    onCancel: readEnum('on-cancel', ON_CANCEL, 'rollback'),
  };
}

/**
 * A specific version number. `$Latest`/`$Default` are refused while auto-rollback is on: AWS can only
 * roll back to the previous configuration when the refresh names an exact version.
 */
function readVersion(autoRollback: boolean): string {
  const version = readVersionSpec(readRequired('launch-template-version'), 'launch-template-version');
  if (!autoRollback || /^[1-9]\d*$/.test(version)) return version;
  throw new InputError(
    'launch-template-version',
    version,
    'must be a version number (auto-rollback needs an exact version; $Latest and $Default cannot be rolled back)',
  );
}

function readCheckpoints(): number[] {
  const items = readList('checkpoint-percentages');
  const numbers = items.map(Number);
  const valid = numbers.every(
    (n, i) => Number.isInteger(n) && n >= 1 && n <= 100 && (i === 0 || n > numbers[i - 1]!),
  );
  if (!valid) {
    throw new InputError(
      'checkpoint-percentages',
      items.join(','),
      'must be whole percentages from 1 to 100 in increasing order, such as 25,50,100',
    );
  }
  return numbers;
}
