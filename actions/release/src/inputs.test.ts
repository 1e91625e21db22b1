import { afterEach, describe, expect, it } from 'vitest';
import { setInputs } from '../../test-support/inputs.js';
import { readRunContext, readStackConfig } from './inputs.js';

const required = {
  region: 'eu-west-1',
  environment: 'production',
  application: 'dealership',
  'deployment-group': 'production',
  'auto-scaling-group': 'dealership-web',
  'launch-template': 'lt-0123456789abcdef0',
  'revision-bucket': 'dealership-revisions',
};
let clear = () => {};
afterEach(() => clear());

describe('release inputs', () => {
  it('read the stack and the time limit the job gives', () => {
    clear = setInputs({ ...required, 'job-started': '1000', 'job-timeout-minutes': '350', alarms: 'a,b' });
    expect(readStackConfig()).toMatchObject({
      environment: 'production',
      launchTemplate: { LaunchTemplateId: 'lt-0123456789abcdef0' },
      alarms: ['a', 'b'],
      revisionPrefix: 'revisions',
    });
    expect(readRunContext(0).jobDeadline).toBe(1000 * 1000 + 350 * 60_000);
  });

  it('read a canary: the share, the bake, the approval deadline and its deployment group', () => {
    clear = setInputs({
      ...required,
      alarms: 'a',
      'canary-percentage': '25',
      'canary-bake-minutes': '15',
      'canary-deployment-group': 'production-canary',
    });
    expect(readStackConfig().canary).toEqual({
      percentage: 25,
      bakeMs: 15 * 60_000,
      approvalMs: 60 * 60_000,
      deploymentGroup: 'production-canary',
    });
  });

  it('read no canary by default, and refuse one without alarms to watch it', () => {
    clear = setInputs(required);
    expect(readStackConfig().canary).toBeUndefined();
    clear();
    clear = setInputs({ ...required, 'canary-percentage': '10', 'canary-deployment-group': 'c' });
    expect(() => readStackConfig()).toThrow(
      'Input "alarms" must name the alarms that watch the canary when "canary-percentage" is 10; got "".',
    );
  });

  it.each([
    ['canary-percentage', '100', 'must be a whole number from 0 to 99'],
    ['environment', 'prod uction', 'must be an environment name'],
    ['revision-bucket', 'Revisions', 'must name an S3 bucket'],
    ['service-url', 'dealership.example.com', 'must be an http(s):// URL'],
    ['launch-template', 'x', 'must be a launch template id (lt-…) or name'],
    ['job-timeout-minutes', 'soon', 'must be a whole number'],
  ])('name a bad %s and its value', (input, value, expected) => {
    clear = setInputs({ ...required, [input]: value });
    expect(() => {
      readStackConfig();
      readRunContext(0);
    }).toThrow(`Input "${input}" ${expected}`);
  });
});
