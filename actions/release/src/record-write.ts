/**
 * Writing the release record — only the release writes it; the plan (read-only role) imports
 * record.ts alone. Every write is conditional on the ETag this run last read (PutObject `If-Match`,
 * or `If-None-Match: *` for the first), so a superseded run cannot overwrite a newer one: S3 answers
 * 412 PreconditionFailed, or 409 ConditionalRequestConflict when two writes race (S3 API reference,
 * PutObject; "Conditional writes" in the S3 user guide). moto 5.2.1 implements both headers on
 * PutObject (moto/s3/responses.py, put_object).
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { awsErrorCode } from '../../lib/index.js';
import { type ReleaseRecord, recordKey } from './record.js';

/** Entries kept; older ones fall off (the bucket is versioned, so they stay in its history). */
export const KEPT_RELEASES = 50;

/** Another run wrote the record since this one read it: this run is superseded and must not write. */
export class RecordConflictError extends Error {
  override name = 'RecordConflictError';
}

/**
 * Writes the record if nobody wrote it since `etag` was read (none: only if it does not exist yet);
 * returns the new ETag. A lost race is a {@link RecordConflictError}.
 */
export async function writeRecord(
  s3: S3Client,
  bucket: string,
  record: ReleaseRecord,
  etag: string | undefined,
  abortSignal?: AbortSignal,
): Promise<string> {
  const trimmed = { ...record, releases: record.releases.slice(0, KEPT_RELEASES) };
  try {
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: recordKey(record.environment),
        Body: `${JSON.stringify(trimmed, null, 2)}\n`,
        ContentType: 'application/json',
        ...(etag === undefined ? { IfNoneMatch: '*' } : { IfMatch: etag }),
      }),
      { abortSignal },
    );
    return put.ETag!;
  } catch (error) {
    const code = awsErrorCode(error);
    if (code === 'PreconditionFailed' || code === 'ConditionalRequestConflict') {
      throw new RecordConflictError(
        `The release record s3://${bucket}/${recordKey(record.environment)} was written by another run since ` +
          'this one read it; this run is superseded and leaves the stack and the record to the newer one.',
      );
    }
    throw error;
  }
}
