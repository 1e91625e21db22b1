import type { FileExistsBehavior } from '@aws-sdk/client-codedeploy';
import {
  InputError,
  readBoolean,
  readEnum,
  readInteger,
  readRegion,
  readRequired,
  readString,
} from '../../lib/index.js';
import { parseS3Url, type S3Revision } from './revision.js';

export const ON_CANCEL = ['stop', 'none'] as const;
export const FILE_EXISTS = ['DISALLOW', 'OVERWRITE', 'RETAIN'] as const;

export interface DeployInputs {
  region: string;
  application: string;
  group: string;
  /** Exactly one of `bundle` (a folder or zip to upload) and `revision` (one already in S3). */
  source: { bundle: string; bucket: string; prefix: string } | { revision: S3Revision };
  deploymentConfig?: string;
  description: string;
  fileExistsBehavior: FileExistsBehavior;
  wait: boolean;
  timeoutMs: number;
  pollMs: number;
  onCancel: (typeof ON_CANCEL)[number];
}

export function readDeployInputs(): DeployInputs {
  const application = readRequired('application');
  const bundle = readString('bundle');
  const revision = readString('revision');
  if ((bundle === '') === (revision === '')) {
    throw new InputError(
      bundle === '' ? 'bundle' : 'revision',
      bundle === '' ? '' : revision,
      'needs exactly one of bundle (a folder or .zip to upload) and revision (s3://bucket/key to redeploy)',
    );
  }
  const prefix = readString('s3-prefix', application).replace(/^\/+|\/+$/g, '');
  return {
    region: readRegion(),
    application,
    group: readRequired('deployment-group'),
    source:
      bundle === ''
        ? { revision: parseS3Url('revision', revision) }
        : { bundle, bucket: readBucket(), prefix },
    deploymentConfig: readString('deployment-config') || undefined,
    description: readString('description', defaultDescription()),
    fileExistsBehavior: readEnum('file-exists-behavior', FILE_EXISTS, 'OVERWRITE'),
    wait: readBoolean('wait', true),
    timeoutMs: readInteger('timeout-minutes', { fallback: 30, min: 1, max: 1440 }) * 60_000,
    pollMs: readInteger('poll-seconds', { fallback: 10, min: 1 }) * 1000,
    onCancel: readEnum('on-cancel', ON_CANCEL, 'stop'),
  };
}

function readBucket(): string {
  const bucket = readString('s3-bucket');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new InputError(
      's3-bucket',
      bucket,
      'must name the S3 bucket the bundle is uploaded to (needed with bundle)',
    );
  }
  return bucket;
}

/** `owner/repo@1a2b3c4 run 42` on GitHub; empty outside it. */
function defaultDescription(): string {
  const { GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_RUN_ID } = process.env;
  if (!GITHUB_REPOSITORY || !GITHUB_SHA) return '';
  return `${GITHUB_REPOSITORY}@${GITHUB_SHA.slice(0, 12)}${GITHUB_RUN_ID ? ` run ${GITHUB_RUN_ID}` : ''}`;
}
