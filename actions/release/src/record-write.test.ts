import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { CannedBucket, s3ErrorOutsideModel } from '../../sim/canned.js';
import { injectFaults } from '../../sim/faults.js';
import { simulatedClient } from '../../sim/plug.js';
import { emptyRecord, type ReleaseRecord, readRecord } from './record.js';
import { CONFLICT_ATTEMPTS, RecordConflictError, writeRecord } from './record-write.js';

const BUCKET = 'revisions';

function bucket() {
  const store = new CannedBucket();
  return { store, s3: simulatedClient(S3Client, store.service()) };
}

const record = (commit: string): ReleaseRecord => ({
  ...emptyRecord('production'),
  releases: [
    {
      id: `${commit}-1`,
      kind: 'deploy',
      commit,
      outcome: 'in-progress',
      startedAt: '2026-01-15T09:00:00.000Z',
      stages: [],
    },
  ],
});

/** S3's 409 for a write that raced another (PutObject, If-Match: "a conflicting operation occurs during the upload"). */
const conflict = () => s3ErrorOutsideModel('ConditionalRequestConflict', 409);

describe('writing the release record', () => {
  it('writes the first record only where none exists, then only over the ETag it holds', async () => {
    const { s3 } = bucket();
    const first = await writeRecord(s3, BUCKET, record('a'), undefined);
    const second = await writeRecord(s3, BUCKET, record('b'), first);
    expect((await readRecord(s3, BUCKET, 'production')).etag).toBe(second);
    // A run holding the first ETag (or none) is superseded: S3 answers 412.
    await expect(writeRecord(s3, BUCKET, record('c'), first)).rejects.toBeInstanceOf(RecordConflictError);
    await expect(writeRecord(s3, BUCKET, record('c'), undefined)).rejects.toThrow(/PreconditionFailed/);
    expect((await readRecord(s3, BUCKET, 'production')).record.releases[0]?.commit).toBe('b');
  });

  it('after a 409, reads the ETag again and writes again while it is still the one it holds', async () => {
    const { s3 } = bucket();
    const etag = await writeRecord(s3, BUCKET, record('a'), undefined);
    const faults = injectFaults(s3, [{ operation: 'PutObject', error: conflict, times: 1 }]);
    const next = await writeRecord(s3, BUCKET, record('b'), etag);
    expect(faults.calls).toEqual([
      { operation: 'PutObject', failed: true },
      { operation: 'PutObject', failed: false },
    ]);
    expect((await readRecord(s3, BUCKET, 'production')).etag).toBe(next);
  });

  it('after a 409 whose racing write changed the record, is superseded and writes nothing', async () => {
    const { s3, store } = bucket();
    const etag = await writeRecord(s3, BUCKET, record('a'), undefined);
    injectFaults(s3, [
      {
        operation: 'PutObject',
        times: 1,
        // The write that raced this one landed: the record is another run's now.
        error: () => {
          store.put(BUCKET, 'releases/production.json', JSON.stringify(record('newer')));
          return conflict();
        },
      },
    ]);
    await expect(writeRecord(s3, BUCKET, record('b'), etag)).rejects.toThrow(
      /ConditionalRequestConflict\); this run is superseded/,
    );
    expect((await readRecord(s3, BUCKET, 'production')).record.releases[0]?.commit).toBe('newer');
  });

  it(`gives up as superseded after ${CONFLICT_ATTEMPTS} writes that all met a 409`, async () => {
    const { s3 } = bucket();
    const faults = injectFaults(s3, [{ operation: 'PutObject', error: conflict }]);
    await expect(writeRecord(s3, BUCKET, record('a'), undefined)).rejects.toBeInstanceOf(RecordConflictError);
    expect(faults.calls.filter((c) => c.operation === 'PutObject')).toHaveLength(CONFLICT_ATTEMPTS);
  });
});
