import { CreateBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type MotoServer, startMoto } from '@dealership/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorKey } from '../../lib/index.js';
import type { SimServer } from '../../sim/http.js';
import { serveMotoAsAws } from '../../sim/moto-proxy.js';
import { makeRevisionFolder } from '../../test-support/revision.js';
import { loadBundle } from './bundle.js';
import { findRevision, uploadBundle } from './upload.js';

// moto answers a missing key with 404, as S3 does a caller WITH s3:ListBucket; the proxy answers as S3
// does a caller without it (403). The deploy role has it (deploy/infra's IAM engine test checks), but
// the action must not stop at the upload when a role lacks it.
let moto: MotoServer;
let proxy: SimServer;
const BUCKET = 'dealership-revisions';
const client = (endpoint: string) => new S3Client({ ...moto.clientConfig, endpoint, forcePathStyle: true });

beforeAll(async () => {
  moto = await startMoto();
  proxy = await serveMotoAsAws(moto.endpoint, { s3WithoutListBucket: true });
  await client(moto.endpoint).send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
  await proxy?.close();
  await moto?.stop();
});

describe('S3 without s3:ListBucket (the proxy)', () => {
  it('answers HeadObject on a missing key with 403 and no body, as S3 documents', async () => {
    const error = await client(proxy.endpoint)
      .send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'missing.zip' }))
      .catch((e: unknown) => e);
    expect(errorKey(error)).toBe('HTTP 403');
    const direct = await client(moto.endpoint)
      .send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'missing.zip' }))
      .catch((e: unknown) => e);
    expect(errorKey(direct)).toBe('NotFound');
  });
});

describe.each([
  { who: 'a role with s3:ListBucket (404 for a missing key)', endpoint: () => moto.endpoint },
  { who: 'a role without s3:ListBucket (403 for a missing key)', endpoint: () => proxy.endpoint },
])('uploadBundle as $who', ({ endpoint }) => {
  it('uploads a new bundle, then finds it and does not upload it again', async () => {
    const s3 = client(endpoint());
    const bundle = await loadBundle(makeRevisionFolder());
    const prefix = `p${Math.random().toString(16).slice(2)}`;
    const first = await uploadBundle(s3, bundle, BUCKET, prefix);
    expect(first).toMatchObject({ uploaded: true, revision: { key: `${prefix}/${bundle.sha256}.zip` } });
    const second = await uploadBundle(s3, bundle, BUCKET, prefix);
    expect(second).toMatchObject({ uploaded: false, revision: { eTag: first.revision.eTag } });
  });
});

describe('findRevision', () => {
  const missing = { bucket: BUCKET, key: 'revisions/none.zip', bundleType: 'zip' as const };

  it('says the revision names no object when S3 answers 404', async () => {
    await expect(findRevision(client(moto.endpoint), missing)).rejects.toThrow(
      `Input "revision" names no object in S3 (HeadObject found nothing); got "s3://${BUCKET}/revisions/none.zip".`,
    );
  });

  it('says what a 403 can mean, and which permissions to check', async () => {
    await expect(findRevision(client(proxy.endpoint), missing)).rejects.toThrow(
      /cannot be read: S3 answered HeadObject with 403 Forbidden, which is its answer both for a key that does not exist when the caller may not list the bucket \(s3:ListBucket\)/,
    );
  });
});
