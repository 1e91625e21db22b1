/** The inputs the actions' tests start from (each test overrides what it is about). */
import type { DeployInputs } from '../codedeploy-deploy/src/inputs.js';
import type { RefreshInputs } from '../instance-refresh/src/inputs.js';

/** codedeploy-deploy redeploying a revision already in S3, waiting for it. */
export function deployInputs(overrides: Partial<DeployInputs> = {}): DeployInputs {
  return {
    region: 'eu-west-1',
    application: 'dealership',
    group: 'dealership-web',
    source: { revision: { bucket: 'dealership-revisions', key: 'dealership/abc.zip', bundleType: 'zip' } },
    description: '',
    fileExistsBehavior: 'OVERWRITE',
    wait: true,
    timeoutMs: 600_000,
    pollMs: 10_000,
    onCancel: 'stop',
    ...overrides,
  };
}

/** instance-refresh to launch template "dealership" version 7, launching before terminating. */
export function refreshInputs(overrides: Partial<RefreshInputs> = {}): RefreshInputs {
  return {
    region: 'eu-west-1',
    group: 'dealership-web',
    launchTemplate: { LaunchTemplateName: 'dealership', Version: '7' },
    preferences: {
      MinHealthyPercentage: 100,
      MaxHealthyPercentage: 200,
      SkipMatching: true,
      AutoRollback: true,
    },
    timeoutMs: 60 * 60_000,
    pollMs: 15_000,
    onCancel: 'rollback',
    ...overrides,
  };
}
