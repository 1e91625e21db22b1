import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { CannedBucket } from './canned.js';
import { simulatedClient } from './plug.js';

function bucket() {
  const store = new CannedBucket();
  return { store, s3: simulatedClient(S3Client, store.service()) };
}

const put = (extra: Record<string, string> = {}) =>
  new PutObjectCommand({ Bucket: 'b', Key: 'releases/production.json', Body: '{}', ...extra });

describe('the canned S3 bucket', () => {
  it('answers a missing key with NoSuchKey to GetObject and a bodiless 404 to HeadObject', async () => {
    const { s3 } = bucket();
    await expect(s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }))).rejects.toBeInstanceOf(NoSuchKey);
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' }))).rejects.toMatchObject({
      name: 'NotFound',
      $metadata: { httpStatusCode: 404 },
    });
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' }))).rejects.toBeInstanceOf(NotFound);
  });

  it('writes with If-None-Match only a key that does not exist, and with If-Match only over that ETag (412 otherwise)', async () => {
    const { s3 } = bucket();
    const first = await s3.send(put({ IfNoneMatch: '*' }));
    await expect(s3.send(put({ IfNoneMatch: '*' }))).rejects.toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
    });
    const second = await s3.send(
      new PutObjectCommand({
        Bucket: 'b',
        Key: 'releases/production.json',
        Body: '{"n":2}',
        IfMatch: first.ETag,
      }),
    );
    expect(second.ETag).not.toBe(first.ETag);
    await expect(s3.send(put({ IfMatch: first.ETag! }))).rejects.toMatchObject({
      name: 'PreconditionFailed',
    });
    await expect(
      s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'other', Body: 'x', IfMatch: first.ETag })),
    ).rejects.toBeInstanceOf(NoSuchKey);
    const read = await s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'releases/production.json' }));
    expect(read.ETag).toBe(second.ETag);
    expect(await read.Body?.transformToString()).toBe('{"n":2}');
  });

  it('lists keys under a prefix and tags an object', async () => {
    const { s3, store } = bucket();
    store.put('b', 'revisions/a.zip', 'a');
    store.put('b', 'releases/production.json', '{}');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'b', Prefix: 'revisions/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['revisions/a.zip']);
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket: 'b',
        Key: 'revisions/a.zip',
        Tagging: { TagSet: [{ Key: 'dealership:revision', Value: 'pruned' }] },
      }),
    );
    expect(store.get('b', 'revisions/a.zip')?.tags).toEqual([
      { Key: 'dealership:revision', Value: 'pruned' },
    ]);
  });
});
