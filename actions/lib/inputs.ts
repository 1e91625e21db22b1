/**
 * The one input parser. Each reader takes the input's name as written in action.yml, reads it from
 * the runner (`INPUT_<NAME>` through @actions/core) and throws an {@link InputError} that names the
 * input and the bad value.
 */
import * as core from '@actions/core';
import { formatDuration } from './poll.js';

/** An input the action cannot use. The message names the input, the value and what was expected. */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    readonly input: string,
    readonly value: string,
    readonly expected: string,
  ) {
    super(`Input "${input}" ${expected}; got ${JSON.stringify(value)}.`);
  }
}

/** A trimmed string; `fallback` (default '') when the input is empty or absent. */
export function readString(name: string, fallback = ''): string {
  const value = core.getInput(name);
  return value === '' ? fallback : value;
}

/** A trimmed string that must be present. */
export function readRequired(name: string): string {
  const value = core.getInput(name);
  if (value === '') throw new InputError(name, value, 'is required');
  return value;
}

const TRUE = new Set(['true', 'True', 'TRUE']);
const FALSE = new Set(['false', 'False', 'FALSE']);

/** A string that must match `pattern` when given (`expected` says what that means); `fallback` when empty. */
export function readMatching(name: string, pattern: RegExp, expected: string, fallback = ''): string {
  const value = core.getInput(name);
  if (value === '') return fallback;
  if (!pattern.test(value)) throw new InputError(name, value, expected);
  return value;
}

/** `true` / `false` (YAML 1.2 core schema spellings, as GitHub's own `getBooleanInput`). */
export function readBoolean(name: string, fallback: boolean): boolean {
  const value = core.getInput(name);
  if (value === '') return fallback;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new InputError(name, value, 'must be true or false');
}

/** A whole number within `[min, max]`. */
export function readInteger(name: string, bounds: { fallback: number; min?: number; max?: number }): number {
  const value = core.getInput(name);
  if (value === '') return bounds.fallback;
  const min = bounds.min ?? Number.MIN_SAFE_INTEGER;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  const parsed = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new InputError(name, value, `must be a whole number ${describeBounds(min, max)}`);
  }
  return parsed;
}

function describeBounds(min: number, max: number): string {
  if (max === Number.MAX_SAFE_INTEGER) return `of at least ${min}`;
  if (min === Number.MIN_SAFE_INTEGER) return `of at most ${max}`;
  return `from ${min} to ${max}`;
}

/** One of `allowed`. */
export function readEnum<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const value = core.getInput(name);
  if (value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InputError(name, value, `must be one of ${allowed.join(', ')}`);
}

/** Items separated by commas and/or newlines, trimmed, empty ones dropped. */
export function readList(name: string): string[] {
  return splitList(core.getInput(name));
}

/** A list whose every item must match `pattern`; the error names the bad item. */
export function readListMatching(name: string, pattern: RegExp, expected: string): string[] {
  const items = readList(name);
  for (const item of items) if (!pattern.test(item)) throw new InputError(name, item, expected);
  return items;
}

export function splitList(value: string): string[] {
  return value
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * `key=value` pairs separated by commas and/or newlines (a value may itself contain `=`). Keys follow
 * AWS tag rules: 1–128 characters, not starting with `aws:`; values up to 256 characters.
 */
export function readTags(name: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const item of readList(name)) {
    const separator = item.indexOf('=');
    const key = separator === -1 ? '' : item.slice(0, separator).trim();
    const value = separator === -1 ? '' : item.slice(separator + 1).trim();
    if (separator <= 0 || key === '') throw new InputError(name, item, 'must be key=value pairs');
    if (key.length > 128 || key.toLowerCase().startsWith('aws:')) {
      throw new InputError(
        name,
        item,
        'has a tag key that is longer than 128 characters or starts with aws:',
      );
    }
    if (value.length > 256) throw new InputError(name, item, 'has a tag value longer than 256 characters');
    tags[key] = value;
  }
  return tags;
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * A duration such as `90s`, `15m`, `1h30m` or `250ms`, in milliseconds. A bare number is read in
 * `bareUnit` (seconds unless told).
 */
export function readDuration(
  name: string,
  options: { fallbackMs: number; bareUnit?: keyof typeof UNIT_MS; minMs?: number; maxMs?: number },
): number {
  const value = core.getInput(name);
  if (value === '') return options.fallbackMs;
  const ms = parseDuration(value, options.bareUnit ?? 's');
  const min = options.minMs ?? 0;
  const max = options.maxMs ?? 365 * 24 * UNIT_MS.h;
  if (ms === undefined) throw new InputError(name, value, 'must be a duration such as 90s, 15m or 1h30m');
  if (ms < min || ms > max) {
    throw new InputError(
      name,
      value,
      `must be a duration from ${formatDuration(min)} to ${formatDuration(max)}`,
    );
  }
  return ms;
}

export function parseDuration(value: string, bareUnit: keyof typeof UNIT_MS): number | undefined {
  if (/^\d+$/.test(value)) return Number(value) * UNIT_MS[bareUnit];
  const parts = [...value.matchAll(/(\d+)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== value) return undefined;
  return parts.reduce((sum, part) => sum + Number(part[1]) * UNIT_MS[part[2] as keyof typeof UNIT_MS], 0);
}

/** The AWS region: the `region` input, else `AWS_REGION`, else `AWS_DEFAULT_REGION`. */
export function readRegion(name = 'region'): string {
  const region = core.getInput(name) || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || '';
  if (region === '') {
    throw new InputError(
      name,
      '',
      'is required (or set AWS_REGION, e.g. by aws-actions/configure-aws-credentials)',
    );
  }
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region))
    throw new InputError(name, region, 'must be an AWS region such as eu-west-1');
  return region;
}
