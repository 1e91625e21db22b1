import { afterEach, describe, expect, it } from 'vitest';
import { setInputs } from '../test-support/inputs.js';
import {
  InputError,
  readBoolean,
  readDuration,
  readEnum,
  readInteger,
  readList,
  readListMatching,
  readMatching,
  readRegion,
  readRequired,
  readString,
  readTags,
} from './inputs.js';

let clear = () => {};
const given = (inputs: Record<string, string>) => {
  clear = setInputs(inputs);
};
afterEach(() => clear());

describe('input readers', () => {
  it('read a trimmed string and fall back when it is empty', () => {
    given({ 'name-prefix': '  dealership  ', empty: '' });
    expect(readString('name-prefix')).toBe('dealership');
    expect(readString('empty', 'fallback')).toBe('fallback');
  });

  it('reject a missing required input by name', () => {
    expect(() => readRequired('image-id')).toThrow('Input "image-id" is required; got "".');
  });

  it('accept true and false and name the input and value otherwise', () => {
    given({ 'set-default': 'TRUE', comment: 'false', wait: 'yes' });
    expect(readBoolean('set-default', false)).toBe(true);
    expect(readBoolean('comment', true)).toBe(false);
    expect(readBoolean('absent', true)).toBe(true);
    expect(() => readBoolean('wait', true)).toThrow('Input "wait" must be true or false; got "yes".');
  });

  it('read whole numbers within bounds and name the input and value otherwise', () => {
    given({ 'keep-images': '3', 'timeout-minutes': '0', 'poll-seconds': '1.5' });
    expect(readInteger('keep-images', { fallback: 5, min: 1 })).toBe(3);
    expect(readInteger('absent', { fallback: 5 })).toBe(5);
    expect(() => readInteger('timeout-minutes', { fallback: 45, min: 1, max: 360 })).toThrow(
      'Input "timeout-minutes" must be a whole number from 1 to 360; got "0".',
    );
    expect(() => readInteger('poll-seconds', { fallback: 15, min: 1 })).toThrow(
      'Input "poll-seconds" must be a whole number of at least 1; got "1.5".',
    );
  });

  it('read one of the allowed values and list them otherwise', () => {
    given({ 'on-cancel': 'rollback', bad: 'explode' });
    expect(readEnum('on-cancel', ['rollback', 'cancel', 'none'], 'none')).toBe('rollback');
    const error = (() => {
      try {
        readEnum('bad', ['rollback', 'cancel', 'none'], 'none');
      } catch (caught) {
        return caught as InputError;
      }
    })();
    expect(error).toBeInstanceOf(InputError);
    expect(error?.input).toBe('bad');
    expect(error?.value).toBe('explode');
    expect(error?.message).toBe('Input "bad" must be one of rollback, cancel, none; got "explode".');
  });

  it('split lists on commas and newlines', () => {
    given({ 'security-group-ids': 'sg-1, sg-2\nsg-3\n\n' });
    expect(readList('security-group-ids')).toEqual(['sg-1', 'sg-2', 'sg-3']);
    expect(readList('absent')).toEqual([]);
  });

  it('check strings and list items against a pattern, naming the bad item', () => {
    given({ 'subnet-id': 'subnet-0123456789abcdef0', 'security-group-ids': 'sg-01234567, web' });
    expect(readMatching('subnet-id', /^subnet-[0-9a-f]+$/, 'must be a subnet id')).toBe(
      'subnet-0123456789abcdef0',
    );
    expect(readMatching('absent', /^x$/, 'must be x', 'fallback')).toBe('fallback');
    expect(() =>
      readListMatching('security-group-ids', /^sg-[0-9a-f]+$/, 'must list security group ids'),
    ).toThrow('Input "security-group-ids" must list security group ids; got "web".');
  });

  it('read key=value tags, keeping = inside values', () => {
    given({ tags: 'team=sales\ncost-centre = 42, query=a=b' });
    expect(readTags('tags')).toEqual({ team: 'sales', 'cost-centre': '42', query: 'a=b' });
  });

  it('reject tags without a key or with a reserved aws: key', () => {
    given({ tags: 'team' });
    expect(() => readTags('tags')).toThrow('Input "tags" must be key=value pairs; got "team".');
    clear();
    given({ tags: 'aws:owner=me' });
    expect(() => readTags('tags')).toThrow('starts with aws:; got "aws:owner=me".');
  });

  it('read durations with units or bare numbers in the given unit', () => {
    given({ warmup: '1h30m', delay: '90', bad: '5 minutes', short: '250ms' });
    expect(readDuration('warmup', { fallbackMs: 0 })).toBe(5_400_000);
    expect(readDuration('delay', { fallbackMs: 0 })).toBe(90_000);
    expect(readDuration('delay', { fallbackMs: 0, bareUnit: 'm' })).toBe(5_400_000);
    expect(() => readDuration('bad', { fallbackMs: 0 })).toThrow(
      'Input "bad" must be a duration such as 90s, 15m or 1h30m; got "5 minutes".',
    );
    expect(() => readDuration('short', { fallbackMs: 0, minMs: 1000, maxMs: 60_000 })).toThrow(
      'Input "short" must be a duration from 1s to 1m00s; got "250ms".',
    );
  });

  it('take the region from the input, then AWS_REGION, then AWS_DEFAULT_REGION', () => {
    const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
    try {
      delete process.env.AWS_REGION;
      process.env.AWS_DEFAULT_REGION = 'eu-central-1';
      expect(readRegion()).toBe('eu-central-1');
      process.env.AWS_REGION = 'eu-west-1';
      expect(readRegion()).toBe('eu-west-1');
      given({ region: 'us-east-2' });
      expect(readRegion()).toBe('us-east-2');
      clear();
      given({ region: 'Frankfurt' });
      expect(() => readRegion()).toThrow(
        'Input "region" must be an AWS region such as eu-west-1; got "Frankfurt".',
      );
      clear();
      delete process.env.AWS_REGION;
      delete process.env.AWS_DEFAULT_REGION;
      expect(() => readRegion()).toThrow('Input "region" is required');
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
