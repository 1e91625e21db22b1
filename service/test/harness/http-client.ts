import { type Agent, request as httpRequest } from 'node:http';

export interface HttpResponse<T = unknown> {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the response is JSON, else the raw text. */
  readonly body: T;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** A keep-alive agent to reuse sockets; by default every request opens a new connection. */
  agent?: Agent;
  token?: string;
}

/** One HTTP request to the service over node:http (so tests choose keep-alive or fresh sockets). */
export function request<T = unknown>(
  method: string,
  url: string,
  { body, headers = {}, agent, token }: RequestOptions = {},
): Promise<HttpResponse<T>> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const allHeaders: Record<string, string> = { accept: 'application/json', ...headers };
  if (payload !== undefined) {
    allHeaders['content-type'] = 'application/json';
    allHeaders['content-length'] = String(Buffer.byteLength(payload));
  }
  if (token !== undefined) allHeaders.authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: allHeaders, agent: agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const isJson = /json/.test(res.headers['content-type'] ?? '');
        try {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
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

/** A client bound to one base URL and bearer token. */
export interface ApiClient {
  readonly baseUrl: string;
  get<T = unknown>(path: string, options?: RequestOptions): Promise<HttpResponse<T>>;
  post<T = unknown>(path: string, body?: unknown, options?: RequestOptions): Promise<HttpResponse<T>>;
  patch<T = unknown>(path: string, body?: unknown, options?: RequestOptions): Promise<HttpResponse<T>>;
  delete<T = unknown>(path: string, options?: RequestOptions): Promise<HttpResponse<T>>;
}

export function apiClient(baseUrl: string, token?: string, agent?: Agent): ApiClient {
  const send = <T>(method: string, path: string, options: RequestOptions = {}) =>
    request<T>(method, `${baseUrl}${path}`, { token, agent, ...options });
  return {
    baseUrl,
    get: (path, options) => send('GET', path, options),
    post: (path, body, options) => send('POST', path, { ...options, body }),
    patch: (path, body, options) => send('PATCH', path, { ...options, body }),
    delete: (path, options) => send('DELETE', path, options),
  };
}

/** Fails with the response in the message unless the status is the expected one. */
export function expectStatus<T>(response: HttpResponse<T>, status: number, what: string): T {
  if (response.status !== status) {
    throw new Error(
      `${what}: expected HTTP ${status}, got ${response.status} ${JSON.stringify(response.body)}`,
    );
  }
  return response.body;
}
