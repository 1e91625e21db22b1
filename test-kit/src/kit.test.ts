import { createServer } from 'node:net';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, listenOnLoopback } from './loopback.js';
import { type MotoServer, startMoto } from './moto.js';

describe('ports on 127.0.0.1', () => {
  it('hands out a port another server can bind at once', async () => {
    const port = await freePort();
    const server = createServer();
    server.listen(port, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    expect((server.address() as { port: number }).port).toBe(port);
    server.close();
  });

  it('starts a server on a port the kernel picked and says which', async () => {
    const server = createServer();
    const port = await listenOnLoopback(server);
    expect(port).toBeGreaterThan(0);
    expect(server.address()).toMatchObject({ address: '127.0.0.1', port });
    server.close();
  });
});

describe('the moto launcher', () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(() => moto.stop());

  it('serves the AWS API at its endpoint and forgets everything on reset', async () => {
    const s3 = new S3Client({ ...moto.clientConfig, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'kit-test' }));
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(['kit-test']);
    await moto.reset();
    expect((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
    s3.destroy();
  });

  it('gives another process the endpoint, the region and credentials that reach it', () => {
    expect(moto.env).toMatchObject({
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
    });
  });
});
