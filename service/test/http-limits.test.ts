import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTIONS_CHECK_INTERVAL_MS, MAX_PIPELINED_REQUESTS } from '../src/server.js';
import { lastJsonBody, rawExchange, statusesIn } from './kit/raw-http.js';
import { type ServiceProcess, spawnServiceProcess } from './kit/service-process.js';

// Short limits so the test is quick; the defaults are the same code with larger numbers (docs/service.md).
const HEADERS_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;
const WRITE_TIMEOUT_MS = 1_000;
/** A client sees a timeout fire up to one connections check late, plus scheduling on a busy machine. */
const LATE_BY_AT_MOST_MS = CONNECTIONS_CHECK_INTERVAL_MS + 1_500;

/** What Node's HTTP parser refuses, and slow or greedy clients, against the built service. */
describe('HTTP limits below and around Koa', () => {
  let service: ServiceProcess;
  let port: number;

  beforeAll(async () => {
    service = await spawnServiceProcess({
      env: {
        DATABASE_URL: 'sqlite::memory:',
        LOG_LEVEL: 'info',
        HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
        HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        HTTP_WRITE_TIMEOUT_MS: String(WRITE_TIMEOUT_MS),
      },
    });
    port = Number(new URL(service.baseUrl).port);
  }, 60_000);

  afterAll(() => service?.stop());

  const problemOf = (text: string) => {
    expect(text).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/);
    return lastJsonBody(text);
  };

  it('answers 431 problem+json to a URL or headers over 16 KiB, and keeps serving', async () => {
    for (const request of [
      `GET /cars?make=${'a'.repeat(17 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET /cars HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(17 * 1024)}\r\n\r\n`,
    ]) {
      const { text } = await rawExchange(port, [request]);
      expect(statusesIn(text)).toEqual([431]);
      expect(problemOf(text)).toMatchObject({ status: 431, title: 'Request Header Fields Too Large' });
    }
    expect((await service.admin.get('/health/live')).status).toBe(200);
  });

  it.each([
    ['an unparsable request line', 'NOT HTTP AT ALL\r\n\r\n'],
    ['a bad header line', 'GET /cars HTTP/1.1\r\nHost x\r\n\r\n'],
    ['a bad chunk size', 'POST /cars HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n'],
  ])('answers 400 problem+json to %s', async (_, request) => {
    const { text } = await rawExchange(port, [request]);
    expect(statusesIn(text)).toEqual([400]);
    expect(problemOf(text)).toMatchObject({
      status: 400,
      detail: expect.stringContaining('not valid HTTP/1.1'),
    });
  });

  it('cuts slow headers at the headers timeout with a 408, as a client sees it, serving others meanwhile', async () => {
    const slow = Array.from({ length: 20 }, () => rawExchange(port, ['GET /cars HTTP/1.1\r\nHost: x\r\n']));
    const started = Date.now();
    expect((await service.admin.get('/cars')).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(HEADERS_TIMEOUT_MS);
    for (const { text, closedAfterMs } of await Promise.all(slow)) {
      expect(statusesIn(text)).toEqual([408]);
      expect(problemOf(text)).toMatchObject({ status: 408 });
      expect(closedAfterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
      expect(closedAfterMs).toBeLessThan(HEADERS_TIMEOUT_MS + LATE_BY_AT_MOST_MS);
    }
  });

  it('does not count the idle time of a keep-alive connection against the headers timeout', async () => {
    // The ALB keeps connections to its targets open for up to 60 s between requests.
    const request = 'GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n';
    const { text } = await rawExchange(port, [
      request,
      HEADERS_TIMEOUT_MS + LATE_BY_AT_MOST_MS,
      request.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'),
    ]);
    expect(statusesIn(text)).toEqual([200, 200]);
  });

  it('cuts a slow body at the request timeout', async () => {
    const started = Date.now();
    const { text } = await rawExchange(port, [
      `POST /cars HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${service.adminToken}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"make"`,
      400,
      ':"x"',
    ]);
    const closedAfterMs = Date.now() - started;
    expect(statusesIn(text)).toEqual([408]);
    expect(closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
    expect(closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + LATE_BY_AT_MOST_MS);
  });

  it(`closes a connection with more than ${MAX_PIPELINED_REQUESTS} unanswered pipelined requests`, async () => {
    const request = 'GET /cars?limit=100 HTTP/1.1\r\nHost: x\r\n\r\n';
    const { text } = await rawExchange(port, [request.repeat(200)]);
    expect(statusesIn(text).length).toBeLessThanOrEqual(MAX_PIPELINED_REQUESTS);
    await service.untilLogged('closing a connection with too many unanswered pipelined requests');
    // Up to the bound, pipelining works.
    const { text: within } = await rawExchange(port, [
      `${'GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(5)}GET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    ]);
    expect(statusesIn(within)).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('drops the answers of a client that stops reading, after the write timeout', async () => {
    // 12 copies of the 1.7 MB Swagger UI bundle: far more than the kernel's socket buffers hold.
    const request = 'GET /docs/swagger-ui-bundle.js HTTP/1.1\r\nHost: x\r\n\r\n';
    const { text } = await rawExchange(port, [request.repeat(12)], {
      readAfterMs: WRITE_TIMEOUT_MS * 2 + LATE_BY_AT_MOST_MS,
    });
    expect(statusesIn(text).length).toBeLessThan(12);
    await service.untilLogged('closing a connection whose client stopped reading its answers');
    expect((await service.admin.get('/health/live')).status).toBe(200);
  });
});
