import { type Agent, request as httpRequest } from 'node:http';

/** A JSON response body: the tests' assertions check its shape. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions (and the contract), not by types
export type Body = any;

export interface Reply<T = Body> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the response says JSON, else the text. */
  body: T;
}

export interface RequestOptions {
  /** The bearer token for this request; null sends no Authorization header. Default: the client's. */
  token?: string | null;
  headers?: Record<string, string>;
  /** A raw body, sent as is; otherwise `json` is serialised with Content-Type application/json. */
  raw?: string | Buffer;
  json?: unknown;
  /** A keep-alive agent to reuse sockets; by default every request opens its own connection. */
  agent?: Agent;
}

/** Checks a response against the service's API contract (see contract.ts); throws when it breaks it. */
export type ResponseCheck = (method: string, path: string, reply: Reply) => void;

/**
 * The tests' one HTTP client (node:http, so a test chooses keep-alive or a fresh socket), bound to a
 * base URL and a bearer token. With a `check`, every response it receives is held to the OpenAPI document.
 */
export class Client {
  constructor(
    readonly baseUrl: string,
    /** Sent as the bearer token unless a request says otherwise (null: no Authorization header). */
    readonly token: string | null = null,
    private readonly check?: ResponseCheck,
  ) {}

  as(token: string | null): Client {
    return new Client(this.baseUrl, token, this.check);
  }

  async request<T = Body>(method: string, path: string, options: RequestOptions = {}): Promise<Reply<T>> {
    const token = options.token === undefined ? this.token : options.token;
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (token !== null) headers.authorization ??= `Bearer ${token}`;
    let payload = options.raw;
    if (payload === undefined && options.json !== undefined) {
      payload = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    if (payload !== undefined && headers['transfer-encoding'] === undefined) {
      headers['content-length'] ??= String(Buffer.byteLength(payload));
    }
    const reply = await send<T>(method, `${this.baseUrl}${path}`, headers, payload, options.agent);
    this.check?.(method, path, reply);
    return reply;
  }

  get<T = Body>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, options);
  }
  post<T = Body>(path: string, json?: unknown, options?: RequestOptions) {
    return this.request<T>('POST', path, { json, ...options });
  }
  patch<T = Body>(path: string, json?: unknown, options?: RequestOptions) {
    return this.request<T>('PATCH', path, { json, ...options });
  }
  delete<T = Body>(path: string, options?: RequestOptions) {
    return this.request<T>('DELETE', path, options);
  }
}

function send<T>(
  method: string,
  url: string,
  headers: Record<string, string>,
  payload: string | Buffer | undefined,
  agent: Agent | undefined,
): Promise<Reply<T>> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const replyHeaders = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          replyHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        }
        const isJson = /json/.test(res.headers['content-type'] ?? '');
        try {
          resolve({
            status: res.statusCode ?? 0,
            headers: replyHeaders,
            body: (isJson && text !== '' ? JSON.parse(text) : text) as T,
          });
        } catch (error) {
          reject(new Error(`${method} ${url}: invalid JSON body ${JSON.stringify(text)}`, { cause: error }));
        }
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** The body, or an error naming the request and the response when the status is not `status`. */
export function expectStatus<T>(reply: Reply<T>, status: number, what: string): T {
  if (reply.status !== status) {
    throw new Error(`${what}: expected HTTP ${status}, got ${reply.status} ${JSON.stringify(reply.body)}`);
  }
  return reply.body;
}
