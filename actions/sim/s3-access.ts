/**
 * S3 as a caller WITHOUT s3:ListBucket sees it, in front of a moto server (which enforces no IAM).
 *
 * "If the object you request doesn't exist, the error that Amazon S3 returns depends on whether you
 * also have the s3:ListBucket permission. If you have the s3:ListBucket permission on the bucket,
 * Amazon S3 returns an HTTP status code 404 Not Found error. If you don't have the s3:ListBucket
 * permission, Amazon S3 returns an HTTP status code 403 Forbidden error." (Amazon S3 API Reference,
 * HeadObject and GetObject, Permissions.) moto always answers 404; this proxy turns a missing key's
 * 404 into that 403 — with no body for HEAD (a HEAD answer has none) and S3's AccessDenied error
 * document for GET — and passes everything else through unchanged.
 *
 * Which answer the deploy role really gets is decided in deploy/infra by the IAM engine (does the
 * role's policy allow s3:ListBucket on the bucket for that key's prefix?); the action must cope with
 * both (codedeploy-deploy/src/upload.ts).
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestId } from './calls.js';
import type { SimServer } from './http.js';

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A proxy on 127.0.0.1 in front of `upstream` (moto's endpoint) answering as S3 does a caller without s3:ListBucket. */
export async function serveS3WithoutListBucket(upstream: string): Promise<SimServer> {
  const arrivals: number[] = [];
  const server = createServer((req, res) => {
    arrivals.push(performance.now());
    void (async () => {
      const payload = await body(req);
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([name]) => name !== 'host' && name !== 'connection'),
      ) as Record<string, string>;
      const answer = await fetch(`${upstream}${req.url ?? '/'}`, {
        method: req.method,
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : payload,
        redirect: 'manual',
      });
      const bytes = Buffer.from(await answer.arrayBuffer());
      // A path with a key below the bucket (path-style: /bucket/key).
      const isObject = (req.url ?? '').split('?')[0]!.split('/').filter(Boolean).length >= 2;
      if (answer.status === 404 && isObject && (req.method === 'HEAD' || req.method === 'GET')) {
        const id = requestId();
        const document =
          req.method === 'GET'
            ? `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>${id}</RequestId></Error>`
            : '';
        res.writeHead(403, { 'content-type': 'application/xml', 'x-amz-request-id': id }).end(document);
        return;
      }
      const out: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        if (name !== 'transfer-encoding' && name !== 'content-encoding' && name !== 'connection')
          out[name] = value;
      });
      res.writeHead(answer.status, out).end(req.method === 'HEAD' ? undefined : bytes);
    })().catch((error: unknown) => res.writeHead(502).end(String(error)));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
