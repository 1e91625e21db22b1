import { afterEach, describe, expect, it } from 'vitest';
import { setInputs } from '../../test-support/inputs.js';
import { readBakeInputs } from './inputs.js';

const required = {
  region: 'eu-west-1',
  'base-image': 'ami-0123456789abcdef0',
  'provision-script': 'provision.sh',
};
let clear = () => {};
afterEach(() => clear());

describe('bake-ami inputs', () => {
  it('apply the documented defaults', () => {
    clear = setInputs(required);
    expect(readBakeInputs()).toMatchObject({
      instanceType: 't3.small',
      namePrefix: 'dealership',
      keepImages: 5,
      timeoutMs: 45 * 60_000,
      pollIntervalMs: 15_000,
      securityGroupIds: [],
      recipePaths: [],
      subnetId: undefined,
    });
  });

  it('read a resolve:ssm: base image as a parameter name', () => {
    clear = setInputs({
      ...required,
      'base-image': 'resolve:ssm:/aws/service/debian/release/12/latest/amd64',
    });
    expect(readBakeInputs().base).toEqual({ ssmParameter: '/aws/service/debian/release/12/latest/amd64' });
  });

  it.each([
    ['base-image', 'ubuntu', 'must be an AMI id (ami-…) or resolve:ssm:/parameter/path'],
    ['instance-type', 'large', 'must be an EC2 instance type such as t3.small'],
    ['subnet-id', 'subnet-xyz', 'must be a subnet id'],
    ['security-group-ids', 'sg-0123456789abcdef0, web', 'must list security group ids (sg-…)'],
    ['name-prefix', 'dealership#1', "must be 1–80 of a-z A-Z 0-9 ( ) [ ] . / - ' @ _ and space"],
    ['keep-images', '-1', 'must be a whole number from 0 to 1000'],
    ['timeout-minutes', '0', 'must be a whole number from 1 to 720'],
    ['poll-seconds', 'fast', 'must be a whole number from 1 to 600'],
    ['tags', 'team', 'must be key=value pairs'],
  ])('reject a bad %s and name it with the value', (input, value, expected) => {
    clear = setInputs({ ...required, [input]: value });
    const bad = input === 'security-group-ids' ? 'web' : value;
    expect(() => readBakeInputs()).toThrow(`Input "${input}" ${expected}; got "${bad}".`);
  });
});
