/**
 * Serves the simulated services over HTTP on 127.0.0.1, so a built action runs as a real process
 * against them (`AWS_ENDPOINT_URL=http://127.0.0.1:PORT`): CodeDeploy speaks JSON 1.1
 * (`X-Amz-Target: CodeDeploy_20141006.<Operation>`), Auto Scaling the query protocol (form in, XML out).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenOnLoopback } from '@dealership/test-kit';
import { requestId } from './calls.js';
import type { SimulatedService } from './plug.js';

export interface SimServer {
  endpoint: string;
  /** `performance.now()` when each request arrived, in order. */
  arrivals: number[];
  close(): Promise<void>;
}

export async function serveSimulation(services: {
  autoScaling?: SimulatedService;
  codeDeploy?: SimulatedService;
}): Promise<SimServer> {
  const arrivals: number[] = [];
  const server: Server = createServer((req, res) => {
    arrivals.push(performance.now());
    void readBody(req).then((body) => {
      const target = req.headers['x-amz-target'];
      if (typeof target === 'string' && services.codeDeploy) {
        answerJson(res, services.codeDeploy, target.split('.').at(-1) ?? '', body);
      } else if (services.autoScaling && body.includes('Action=')) {
        answerQuery(res, services.autoScaling, new URLSearchParams(body));
      } else {
        res.writeHead(404).end();
      }
    });
  });
  const port = await listenOnLoopback(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    arrivals,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

interface ServiceError {
  name: string;
  message: string;
  $fault?: string;
}

function answerJson(res: ServerResponse, service: SimulatedService, operation: string, body: string): void {
  const id = requestId();
  try {
    const output = service.handle(operation, body === '' ? {} : JSON.parse(body));
    // JSON 1.1 sends timestamps as epoch seconds.
    const json = JSON.stringify(output, function (this: Record<string, unknown>, key, value) {
      const raw = this[key];
      return raw instanceof Date ? raw.getTime() / 1000 : value;
    });
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': id }).end(json);
  } catch (error) {
    const e = error as ServiceError;
    res
      .writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': id })
      .end(JSON.stringify({ __type: e.name, message: e.message }));
  }
}

function answerQuery(res: ServerResponse, service: SimulatedService, form: URLSearchParams): void {
  const id = requestId();
  const operation = form.get('Action') ?? '';
  try {
    const output = service.handle(operation, unflatten(form));
    const xml =
      `<${operation}Response xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">` +
      `<${operation}Result>${toXml(output)}</${operation}Result>` +
      `<ResponseMetadata><RequestId>${id}</RequestId></ResponseMetadata></${operation}Response>`;
    res.writeHead(200, { 'content-type': 'text/xml' }).end(xml);
  } catch (error) {
    const e = error as ServiceError;
    // The query protocol's error codes drop the "Fault" the SDK's class names carry.
    const code = e.name.replace(/Fault$/, '');
    res
      .writeHead(400, { 'content-type': 'text/xml' })
      .end(
        `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(e.message)}</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`,
      );
  }
}

/** `A.B.member.1=x` → `{ A: { B: ['x'] } }`; `true`/`false` become booleans, everything else stays a string. */
function unflatten(form: URLSearchParams): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, raw] of form) {
    if (key === 'Action' || key === 'Version') continue;
    const parts = key.split('.');
    let node: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (part === 'member') continue;
      const last = i === parts.length - 1;
      const slot = Array.isArray(node) ? Number(part) - 1 : part;
      const nextIsList = parts[i + 1] === 'member';
      const container = node as Record<string | number, unknown>;
      if (last) container[slot] = typed(raw);
      else container[slot] ??= nextIsList ? [] : {};
      node = container[slot] as Record<string, unknown> | unknown[];
    }
  }
  return root;
}

function typed(raw: string): unknown {
  return raw === 'true' || raw === 'false' ? raw === 'true' : raw;
}

function toXml(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  }
  return escapeXml(String(value));
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
