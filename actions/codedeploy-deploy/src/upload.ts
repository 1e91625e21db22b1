import { HeadObjectCommand, NotFound, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { errorKey, InputError } from '../../lib/index.js';
import type { Bundle } from './bundle.js';
import { type S3Revision, s3Url } from './revision.js';

export interface Uploaded {
  revision: S3Revision;
  /** False when the same bytes were already there (the key is their SHA-256). */
  uploaded: boolean;
}

/**
 * Puts the bundle at `<prefix>/<sha256>.zip`: a key that names the content, so an unchanged bundle is
 * never uploaded twice and a key never points at different bytes. No ACL and no encryption setting
 * are sent, so the bucket's own defaults apply (BucketOwnerEnforced ownership refuses ACLs); S3 checks
 * the SHA-256 on upload.
 */
export async function uploadBundle(
  s3: S3Client,
  bundle: Bundle,
  bucket: string,
  prefix: string,
): Promise<Uploaded> {
  const key = `${prefix === '' ? '' : `${prefix}/`}${bundle.sha256}.zip`;
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { revision: { bucket, key, bundleType: 'zip', eTag: unquote(head.ETag) }, uploaded: false };
  } catch (error) {
    // Not there (404), or S3's answer for a missing key to a caller without s3:ListBucket (403):
    // upload. If the 403 meant "may not read it", PutObject says so with AccessDenied.
    if (missingAnswer(error) === undefined) throw error;
  }
  const put = await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: bundle.zip,
      ContentType: 'application/zip',
      ChecksumSHA256: Buffer.from(bundle.sha256, 'hex').toString('base64'),
    }),
  );
  return { revision: { bucket, key, bundleType: 'zip', eTag: unquote(put.ETag) }, uploaded: true };
}

function unquote(etag: string | undefined): string | undefined {
  return etag?.replace(/^"|"$/g, '');
}

/** Checks that a revision to redeploy exists, and pins its ETag so CodeDeploy deploys exactly it. */
export async function findRevision(s3: S3Client, revision: S3Revision): Promise<S3Revision> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: revision.bucket, Key: revision.key }));
    return { ...revision, eTag: unquote(head.ETag) };
  } catch (error) {
    const answer = missingAnswer(error);
    if (answer === 'not found') {
      throw new InputError('revision', s3Url(revision), 'names no object in S3 (HeadObject found nothing)');
    }
    if (answer === 'forbidden') {
      throw new InputError(
        'revision',
        s3Url(revision),
        'cannot be read: S3 answered HeadObject with 403 Forbidden, which is its answer both for a key that ' +
          'does not exist when the caller may not list the bucket (s3:ListBucket) and for an object the caller ' +
          'may not read (s3:GetObject). Check the URL, and that the role has both on the bucket',
      );
    }
    throw error;
  }
}

/**
 * How S3 answers HeadObject on a key that may not exist: `not found` (404, the caller has
 * s3:ListBucket), `forbidden` (403: "If you don't have the s3:ListBucket permission, Amazon S3 returns
 * an HTTP status code 403 Forbidden error", Amazon S3 API Reference, HeadObject), or undefined for
 * any other error.
 */
function missingAnswer(error: unknown): 'not found' | 'forbidden' | undefined {
  if (error instanceof NotFound || errorKey(error) === 'NotFound') return 'not found';
  if (errorKey(error) === 'HTTP 403') return 'forbidden';
  return undefined;
}
