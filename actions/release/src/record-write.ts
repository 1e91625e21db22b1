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
import { type ReleaseRecord, readRecord, recordKey } from './record.js';

/** Entries kept; older ones fall off (the bucket is versioned, so they stay in its history). */
export const KEPT_RELEASES = 50;

/** Another run wrote the record since this one read it: this run is superseded and must not write. */
export class RecordConflictError extends Error {
  override name = 'RecordConflictError';
}

/** Writes after a 409 before this run counts itself superseded. */
export const CONFLICT_ATTEMPTS = 3;

/**
 * Writes the record if nobody wrote it since `etag` was read (none: only if it does not exist yet);
 * returns the new ETag. A lost race is a {@link RecordConflictError}: 412 PreconditionFailed says the
 * record changed. 409 ConditionalRequestConflict says a write raced this one, and S3's advice is to
 * "fetch the object's ETag and retry the upload" (PutObject, If-Match): the record is read again and,
 * while its ETag is still the one this run holds, written again; once it changed, this run lost.
 */
export async function writeRecord(
  s3: S3Client,
  bucket: string,
  record: ReleaseRecord,
  etag: string | undefined,
  abortSignal?: AbortSignal,
): Promise<string> {
  const trimmed = { ...record, releases: record.releases.slice(0, KEPT_RELEASES) };
  const key = recordKey(record.environment);
  for (let attempt = 1; ; attempt += 1) {
    try {
      const put = await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: `${JSON.stringify(trimmed, null, 2)}\n`,
          ContentType: 'application/json',
          ...(etag === undefined ? { IfNoneMatch: '*' } : { IfMatch: etag }),
        }),
        { abortSignal },
      );
      return put.ETag!;
    } catch (error) {
      const code = awsErrorCode(error);
      if (
        code === 'ConditionalRequestConflict' &&
        attempt < CONFLICT_ATTEMPTS &&
        (await readRecord(s3, bucket, record.environment, abortSignal)).etag === etag
      ) {
        continue;
      }
      if (code === 'PreconditionFailed' || code === 'ConditionalRequestConflict') {
        throw new RecordConflictError(
          `The release record s3://${bucket}/${key} was written by another run since this one read it ` +
            `(${code}); this run is superseded and leaves the stack and the record to the newer one.`,
        );
      }
      throw error;
    }
  }
}
