import type { BundleType, RevisionLocation } from '@aws-sdk/client-codedeploy';
import { InputError } from '../../lib/index.js';

export interface S3Revision {
  bucket: string;
  key: string;
  bundleType: BundleType;
  eTag?: string;
}

const BUNDLE_TYPES: Array<[string, BundleType]> = [
  ['.zip', 'zip'],
  ['.tar.gz', 'tgz'],
  ['.tgz', 'tgz'],
  ['.tar', 'tar'],
];

/** `s3://bucket/path/rev.zip` → bucket, key and the bundle type its extension says. */
export function parseS3Url(input: string, url: string): S3Revision {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(url);
  if (!match) throw new InputError(input, url, 'must be an S3 URL such as s3://bucket/path/revision.zip');
  const key = match[2]!;
  const type = BUNDLE_TYPES.find(([ext]) => key.endsWith(ext));
  if (!type) throw new InputError(input, url, 'must end in .zip, .tar, .tar.gz or .tgz (the bundle type)');
  return { bucket: match[1]!, key, bundleType: type[1] };
}

export function s3Url(revision: S3Revision): string {
  return `s3://${revision.bucket}/${revision.key}`;
}

export function revisionLocation(revision: S3Revision): RevisionLocation {
  return {
    revisionType: 'S3',
    s3Location: {
      bucket: revision.bucket,
      key: revision.key,
      bundleType: revision.bundleType,
      eTag: revision.eTag,
    },
  };
}
