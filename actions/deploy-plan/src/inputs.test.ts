import { afterEach, describe, expect, it } from 'vitest';
import { setInputs } from '../../test-support/inputs.js';
import { readPlanInputs } from './inputs.js';

const required = { 'base-image': 'ami-0123456789abcdef0', 'provision-script': 'provision.sh' };
let clear = () => {};
afterEach(() => clear());

describe('deploy-plan inputs', () => {
  it('leave the AWS parts it was not given empty and comment by default', () => {
    clear = setInputs(required);
    expect(readPlanInputs()).toMatchObject({
      autoScalingGroup: undefined,
      launchTemplate: undefined,
      application: undefined,
      comment: true,
    });
  });

  it.each([
    ['base-image', 'latest', 'must be an AMI id (ami-…) or resolve:ssm:/parameter/path'],
    ['launch-template', 'a', 'must be a launch template id (lt-…) or name'],
    ['comment', 'sometimes', 'must be true or false'],
  ])('reject a bad %s and name it with the value', (input, value, expected) => {
    clear = setInputs({ ...required, [input]: value });
    expect(() => readPlanInputs()).toThrow(`Input "${input}" ${expected}`);
    expect(() => readPlanInputs()).toThrow(`got "${value}".`);
  });

  it('require the provision script', () => {
    clear = setInputs({ 'base-image': 'ami-0123456789abcdef0' });
    expect(() => readPlanInputs()).toThrow('Input "provision-script" is required; got "".');
  });
});
