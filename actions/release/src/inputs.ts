/** The release's inputs: the stack it converges, the run's time limit, and the mode. */
import { readBuilderInputs } from '../../bake-ami/src/inputs.js';
import {
  InputError,
  launchTemplateRef,
  parseBaseImage,
  readInteger,
  readList,
  readMatching,
  readRegion,
  readRequired,
  readString,
  workspaceRoot,
} from '../../lib/index.js';
import type { CanarySettings, StackConfig } from './converge.js';
import type { RunContext } from './release.js';

export const MODES = [
  'deploy',
  'rollback',
  'recover',
  'summary',
  'gate',
  'promote',
  'abort',
  'watch',
] as const;

const ENVIRONMENT = /^[A-Za-z0-9_.-]{1,255}$/;

export function readEnvironment(): string {
  return readMatching('environment', ENVIRONMENT, 'must be an environment name');
}

export function readStackConfig(): StackConfig {
  const template = readRequired('launch-template');
  const serviceUrl = readMatching('service-url', /^https?:\/\/\S+$/, 'must be an http(s):// URL');
  const alarms = readList('alarms');
  return {
    region: readRegion(),
    environment: readEnvironment(),
    application: readRequired('application'),
    deploymentGroup: readRequired('deployment-group'),
    autoScalingGroup: readRequired('auto-scaling-group'),
    launchTemplate: launchTemplateRef(template),
    bucket: readMatching('revision-bucket', /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must name an S3 bucket'),
    revisionPrefix: readString('revision-prefix', 'revisions').replace(/^\/+|\/+$/g, ''),
    serviceUrl: serviceUrl || undefined,
    alarms,
    canary: readCanary(alarms),
    keepReleases: readInteger('keep-releases', { fallback: 10, min: 1, max: 1000 }),
    bake: {
      base: parseBaseImage(
        readString('base-image') ||
          'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
      ),
      ...readBuilderInputs(),
      provisionScript: readString('provision-script', 'deploy/image/provision.sh'),
      namePrefix: 'dealership',
      pollIntervalMs: 15_000,
    },
  };
}

/**
 * The canary inputs: `canary-percentage` 0 (the default) releases the whole fleet at once; 1–99 stops
 * at that share of the group (at least one instance). A canary is watched by the stack's alarms, so it
 * needs them, and its revision goes through the canary deployment group.
 */
export function readCanary(alarms: string[]): CanarySettings | undefined {
  const percentage = readInteger('canary-percentage', { fallback: 0, min: 0, max: 99 });
  if (percentage === 0) return undefined;
  if (alarms.length === 0) {
    throw new InputError(
      'alarms',
      '',
      `must name the alarms that watch the canary when "canary-percentage" is ${percentage}`,
    );
  }
  return {
    percentage,
    bakeMs: readInteger('canary-bake-minutes', { fallback: 10, min: 1, max: 720 }) * 60_000,
    // The canary-watch job (timeout-minutes 350) waits this long, then still has the rollback's time.
    approvalMs: readInteger('canary-approval-minutes', { fallback: 60, min: 1, max: 240 }) * 60_000,
    deploymentGroup: readRequired('canary-deployment-group'),
  };
}

export function readRunContext(now: number): RunContext {
  const started = readInteger('job-started', { fallback: Math.floor(now / 1000), min: 0 });
  const minutes = readInteger('job-timeout-minutes', { fallback: 360, min: 1, max: 4320 });
  const { GITHUB_RUN_ID = 'local', GITHUB_RUN_ATTEMPT = '1', GITHUB_ACTOR } = process.env;
  return {
    id: `${GITHUB_RUN_ID}-${GITHUB_RUN_ATTEMPT}`,
    actor: GITHUB_ACTOR,
    jobDeadline: started * 1000 + minutes * 60_000,
    appspecPath: `${workspaceRoot()}/${readString('appspec', 'appspec.yml')}`,
  };
}
