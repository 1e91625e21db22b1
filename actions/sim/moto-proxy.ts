/**
 * moto as AWS answers, where moto does not: a proxy on 127.0.0.1 in front of a moto server that
 * passes every request through, except for the rules below (each citing what AWS does).
 *
 * - Always: CreateImage's snapshot TagSpecification. "To tag the snapshots that are created of the
 *   root volume and of other Amazon EBS volumes that are attached to the instance, the value for
 *   ResourceType must be snapshot. The same tag is applied to all of the snapshots that are created"
 *   (Amazon EC2 API Reference, CreateImage, TagSpecification.N). moto 5 raises NotImplementedError
 *   for it; the proxy sends moto the image part and tags the image's snapshots itself.
 * - `s3WithoutListBucket`: S3 as a caller WITHOUT s3:ListBucket sees it. "If the object you request
 *   doesn't exist, the error that Amazon S3 returns depends on whether you also have the
 *   s3:ListBucket permission. If you have the s3:ListBucket permission on the bucket, Amazon S3
 *   returns an HTTP status code 404 Not Found error. If you don't have the s3:ListBucket permission,
 *   Amazon S3 returns an HTTP status code 403 Forbidden error." (Amazon S3 API Reference, HeadObject
 *   and GetObject, Permissions.) moto enforces no IAM and answers 404; the proxy answers 403 — no body
 *   for HEAD (a HEAD answer has none), S3's AccessDenied error document for GET. Which answer the
 *   deploy role really gets is decided in deploy/infra by the IAM engine (its s3:ListBucket grant).
 */
import { createServer, type IncomingMessage } from 'node:http';
import { listenOnLoopback } from '@dealership/test-kit';
import { requestId } from './calls.js';
import type { SimServer } from './http.js';

export type { SimServer };

export interface MotoRules {
  /** Answer a missing S3 key with 403, as S3 does a caller without s3:ListBucket (default: 404, with it). */
  s3WithoutListBucket?: boolean;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function forward(
  upstream: string,
  method: string,
  url: string,
  headers: Record<string, string>,
  body: Buffer | string | undefined,
): Promise<Answer> {
  const answer = await fetch(`${upstream}${url}`, { method, headers, body, redirect: 'manual' });
  const out: Record<string, string> = {};
  answer.headers.forEach((value, name) => {
    if (!['transfer-encoding', 'content-encoding', 'connection', 'content-length'].includes(name))
      out[name] = value;
  });
  return { status: answer.status, headers: out, body: Buffer.from(await answer.arrayBuffer()) };
}

/** EC2 query form → the CreateImage request without its snapshot tag specifications, and their tags. */
function splitSnapshotTags(form: URLSearchParams): { form: URLSearchParams; tags: Array<[string, string]> } {
  const specs = new Map<string, Map<string, string>>();
  const rest = new URLSearchParams();
  for (const [key, value] of form) {
    const match = /^TagSpecification\.(\d+)\.(.+)$/.exec(key);
    if (match) specs.set(match[1]!, (specs.get(match[1]!) ?? new Map()).set(match[2]!, value));
    else rest.append(key, value);
  }
  const tags: Array<[string, string]> = [];
  let n = 0;
  for (const spec of specs.values()) {
    if (spec.get('ResourceType') === 'snapshot') {
      for (let i = 1; spec.has(`Tag.${i}.Key`); i++)
        tags.push([spec.get(`Tag.${i}.Key`)!, spec.get(`Tag.${i}.Value`) ?? '']);
      continue;
    }
    n += 1;
    for (const [field, value] of spec) rest.append(`TagSpecification.${n}.${field}`, value);
  }
  return { form: rest, tags };
}

async function createImage(
  upstream: string,
  headers: Record<string, string>,
  form: URLSearchParams,
): Promise<Answer> {
  const { form: imageOnly, tags } = splitSnapshotTags(form);
  const created = await forward(upstream, 'POST', '/', headers, imageOnly.toString());
  const imageId = /<imageId>([^<]+)<\/imageId>/.exec(created.body.toString())?.[1];
  if (created.status !== 200 || !imageId || tags.length === 0) return created;
  const ec2 = (action: Record<string, string>) =>
    forward(
      upstream,
      'POST',
      '/',
      headers,
      new URLSearchParams({ Version: form.get('Version') ?? '2016-11-15', ...action }).toString(),
    );
  const described = await ec2({ Action: 'DescribeImages', 'ImageId.1': imageId });
  const snapshots = [...described.body.toString().matchAll(/<snapshotId>([^<]+)<\/snapshotId>/g)].map(
    (m) => m[1]!,
  );
  const tagging: Record<string, string> = { Action: 'CreateTags' };
  snapshots.forEach((id, i) => {
    tagging[`ResourceId.${i + 1}`] = id;
  });
  tags.forEach(([key, value], i) => {
    tagging[`Tag.${i + 1}.Key`] = key;
    tagging[`Tag.${i + 1}.Value`] = value;
  });
  if (snapshots.length > 0) await ec2(tagging);
  return created;
}

/** Serves moto (`upstream`) as AWS would answer, following `rules`. */
export async function serveMotoAsAws(upstream: string, rules: MotoRules = {}): Promise<SimServer> {
  const arrivals: number[] = [];
  const server = createServer((req, res) => {
    arrivals.push(performance.now());
    void (async () => {
      const method = req.method ?? 'GET';
      const url = req.url ?? '/';
      const payload = await readBody(req);
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          ([name]) => !['host', 'connection', 'content-length'].includes(name),
        ),
      ) as Record<string, string>;
      const form = (headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
        ? new URLSearchParams(payload.toString())
        : undefined;

      let answer: Answer;
      if (form?.get('Action') === 'CreateImage') answer = await createImage(upstream, headers, form);
      else
        answer = await forward(
          upstream,
          method,
          url,
          headers,
          method === 'GET' || method === 'HEAD' ? undefined : payload,
        );

      // Path-style S3 object requests (/bucket/key) answered 404.
      const isObject = url.split('?')[0]!.split('/').filter(Boolean).length >= 2;
      if (
        rules.s3WithoutListBucket &&
        answer.status === 404 &&
        isObject &&
        (method === 'HEAD' || method === 'GET')
      ) {
        const id = requestId();
        const document =
          method === 'GET'
            ? `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>${id}</RequestId></Error>`
            : '';
        res.writeHead(403, { 'content-type': 'application/xml', 'x-amz-request-id': id }).end(document);
        return;
      }
      res.writeHead(answer.status, answer.headers).end(method === 'HEAD' ? undefined : answer.body);
    })().catch((error: unknown) => res.writeHead(502).end(String(error)));
  });
  const port = await listenOnLoopback(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    arrivals,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
