/** A JSON response body: the tests' assertions check its shape. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions, not by types
export type Body = any;

/** A small fetch wrapper for the API tests: JSON in, `{status, headers, body}` out. */
export interface Reply<T = Body> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  token?: string | null;
  headers?: Record<string, string>;
  /** A raw body (sent as is); otherwise `json` is serialised. */
  raw?: string | Buffer;
  json?: unknown;
}

export class Client {
  constructor(
    readonly baseUrl: string,
    /** Sent as the bearer token unless a request says otherwise (null: no Authorization header). */
    readonly token: string | null,
  ) {}

  as(token: string | null): Client {
    return new Client(this.baseUrl, token);
  }

  async request<T = Body>(method: string, path: string, options: RequestOptions = {}): Promise<Reply<T>> {
    const token = options.token === undefined ? this.token : options.token;
    const headers: Record<string, string> = { ...options.headers };
    if (token !== null) headers.authorization ??= `Bearer ${token}`;
    let body: string | Buffer | undefined = options.raw;
    if (body === undefined && options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    return {
      status: response.status,
      headers: response.headers,
      body: type.includes('json') ? JSON.parse(text) : text,
    };
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
