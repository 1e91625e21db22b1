import { afterEach, describe, expect, it } from 'vitest';
import { refreshInputs } from '../../test-support/fixtures.js';
import { setInputs } from '../../test-support/inputs.js';
import { readRefreshInputs } from './inputs.js';

const required = {
  region: 'eu-west-1',
  'auto-scaling-group': 'dealership-web',
  'launch-template': 'dealership',
  'launch-template-version': '7',
};

let clear = () => {};
afterEach(() => clear());

function read(inputs: Record<string, string>) {
  clear = setInputs({ ...required, ...inputs });
  return readRefreshInputs();
}

describe('instance-refresh inputs', () => {
  it('defaults to launch before terminate with auto-rollback, skip-matching, 15 s polls and rollback on cancel', () => {
    expect(read({})).toEqual(refreshInputs());
  });

  it('reads a launch template id, warm-up, checkpoints and alarms into the refresh preferences', () => {
    const inputs = read({
      'launch-template': 'lt-0123456789abcdef0',
      'instance-warmup': '120',
      'checkpoint-percentages': '25, 50,100',
      'checkpoint-delay': '300',
      alarms: 'dealership-5xx\ndealership-latency',
      'poll-seconds': '1',
    });
    expect(inputs.launchTemplate).toEqual({ LaunchTemplateId: 'lt-0123456789abcdef0', Version: '7' });
    expect(inputs.preferences).toMatchObject({
      InstanceWarmup: 120,
      CheckpointPercentages: [25, 50, 100],
      CheckpointDelay: 300,
      AlarmSpecification: { Alarms: ['dealership-5xx', 'dealership-latency'] },
    });
    expect(inputs.pollMs).toBe(1000);
  });

  it('refuses $Latest while auto-rollback is on, naming the input and the value', () => {
    expect(() => read({ 'launch-template-version': '$Latest' })).toThrow(
      'Input "launch-template-version" must be a version number (auto-rollback needs an exact version; $Latest and $Default cannot be rolled back); got "$Latest".',
    );
    expect(() => read({ 'launch-template-version': '$Default' })).toThrow(/"\$Default"/);
  });

  it('accepts $Latest when auto-rollback is off', () => {
    expect(
      read({ 'launch-template-version': '$Latest', 'auto-rollback': 'false' }).launchTemplate.Version,
    ).toBe('$Latest');
  });

  it.each([
    ['launch-template-version', '7.1', /must be \$Default, \$Latest or a version number; got "7.1"/],
    ['poll-seconds', '0', /"poll-seconds" must be a whole number of at least 1; got "0"/],
    ['min-healthy-percentage', '101', /"min-healthy-percentage" must be a whole number from 0 to 100/],
    ['max-healthy-percentage', '99', /"max-healthy-percentage" must be a whole number from 100 to 200/],
    ['checkpoint-percentages', '50,25', /"checkpoint-percentages" must be whole percentages .*got "50,25"/],
    ['checkpoint-percentages', '0,100', /got "0,100"/],
    ['on-cancel', 'stop', /"on-cancel" must be one of rollback, cancel, none; got "stop"/],
    ['skip-matching', 'yes', /"skip-matching" must be true or false; got "yes"/],
    ['timeout-minutes', 'ten', /"timeout-minutes" must be a whole number/],
  ])('refuses %s = %s with a message naming both', (name, value, message) => {
    expect(() => read({ [name]: value })).toThrow(message);
  });

  it('refuses a healthy-percentage range wider than 100', () => {
    expect(() => read({ 'min-healthy-percentage': '90', 'max-healthy-percentage': '200' })).toThrow(
      'Input "max-healthy-percentage" must be at most 100 above min-healthy-percentage (90); got "200".',
    );
  });

  it('refuses a checkpoint delay without checkpoints', () => {
    expect(() => read({ 'checkpoint-delay': '60' })).toThrow(
      /"checkpoint-delay" needs checkpoint-percentages/,
    );
  });

  it('names a missing required input', () => {
    expect(() => read({ 'auto-scaling-group': '' })).toThrow(
      'Input "auto-scaling-group" is required; got "".',
    );
  });
});
