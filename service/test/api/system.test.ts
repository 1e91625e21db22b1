import { freePort } from '@dealership/test-kit';
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { migrateUp } from '../../src/db/migrator.js';
import { createLogger } from '../../src/logger.js';
import { describeOnEachDatabase, startInProcessService } from '../kit/in-process-service.js';

describeOnEachDatabase('health, version, docs', (service) => {
  it('answers liveness and readiness', async () => {
    expect((await service().anonymous.get('/health/live')).body).toEqual({ status: 'ok' });
    const ready = await service().anonymous.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready' });
  });

  it('turns readiness to 503 draining once shutdown starts, while still serving requests', async () => {
    service().lifecycle.draining = true;
    try {
      const ready = await service().anonymous.get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ status: 'draining' });
      const cars = await service().anonymous.get('/cars');
      expect(cars.status).toBe(200);
      expect(cars.headers.get('connection')).toBe('close');
    } finally {
      service().lifecycle.draining = false;
    }
  });

  it('tells the version, the commit being served and when it started', async () => {
    const reply = await service().anonymous.get('/version');
    expect(reply.body).toEqual({ version: '1.0.0', commit: 'test-commit', startedAt: expect.any(String) });
    expect(Date.parse(reply.body.startedAt)).toBeLessThanOrEqual(Date.now());
  });

  it('echoes X-Request-Id, falls back to X-Amzn-Trace-Id, else makes one up', async () => {
    const given = await service().anonymous.get('/health/live', { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const trace = 'Root=1-67891233-abcdef012345678912345678';
    const alb = await service().anonymous.get('/health/live', { headers: { 'x-amzn-trace-id': trace } });
    expect(alb.headers.get('x-request-id')).toBe(trace);
    const made = await service().anonymous.get('/health/live', {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('publishes an OpenAPI 3.1 document covering every route, generated from the schemas', async () => {
    const reply = await service().anonymous.get('/openapi.json');
    expect(reply.status).toBe(200);
    const doc = reply.body;
    expect(doc.openapi).toBe('3.1.0');
    for (const [path, method] of [
      ['/cars', 'get'],
      ['/cars', 'post'],
      ['/cars/{id}', 'patch'],
      ['/cars/{id}', 'delete'],
      ['/cars/{id}/service-history', 'get'],
      ['/customers', 'post'],
      ['/salespeople/{id}', 'get'],
      ['/mechanics', 'get'],
      ['/parts/{id}', 'patch'],
      ['/sales', 'post'],
      ['/invoices', 'get'],
      ['/invoices/{id}', 'get'],
      ['/service-tickets', 'post'],
      ['/service-tickets/{id}', 'get'],
      ['/service-tickets/{id}/labor', 'post'],
      ['/service-tickets/{id}/parts', 'post'],
      ['/service-tickets/{id}/close', 'post'],
      ['/reports/sales-by-salesperson', 'get'],
      ['/tokens', 'post'],
      ['/tokens/{id}', 'delete'],
    ]) {
      expect(doc.paths[path as string]?.[method as string], `${method} ${path}`).toBeDefined();
    }
    const createCar = doc.paths['/cars'].post;
    const body = createCar.requestBody.content['application/json'].schema;
    expect(body.additionalProperties).toBe(false);
    expect(body.required).toEqual(expect.arrayContaining(['serialNumber', 'make', 'listPrice']));
    expect(Object.keys(createCar.responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '409', '413', '415']),
    );
    const limit = doc.paths['/cars'].get.parameters.find((p: { name: string }) => p.name === 'limit');
    expect(limit).toMatchObject({ in: 'query', required: false });
    expect(doc.paths['/cars'].get.security).toEqual([]);
    expect(doc.paths['/sales'].post.security).toEqual([{ bearer: [] }]);
  });

  it('renders the docs page from locally served Swagger UI files', async () => {
    const page = await service().anonymous.get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const assets = [...String(page.body).matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(assets.every((asset) => asset.startsWith('/docs/'))).toBe(true);
    for (const asset of assets) {
      const reply = await fetch(`${service().baseUrl}${asset}`);
      expect(reply.status, asset).toBe(200);
      expect((await reply.arrayBuffer()).byteLength, asset).toBeGreaterThan(0);
    }
    expect((await service().anonymous.get('/docs/../package.json')).status).toBe(404);
    expect((await service().anonymous.get('/docs/index.html')).status).toBe(404);
  });
});

it('reports 503 unavailable when the primary database is unreachable', async () => {
  const port = await freePort();
  const service = await startInProcessService('mysql', {
    env: { DATABASE_URL: `mysql://root@127.0.0.1:${port}/nowhere`, MIGRATE_ON_START: 'false' },
  });
  try {
    const ready = await service.anonymous.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'unavailable', detail: 'the primary database is unreachable' });
    expect((await service.anonymous.get('/health/live')).status).toBe(200);
    const read = await service.admin.get('/customers/1');
    expect(read.status, JSON.stringify(read.body)).toBe(503);
    expect(read.headers.get('retry-after')).toBe('5');
    expect(read.body).toMatchObject({
      status: 503,
      detail: expect.stringContaining('database is unavailable'),
    });
  } finally {
    await service.stop();
  }
});

it('logs one JSON line per request with its request id, and never a bearer token', async () => {
  const lines: string[] = [];
  const service = await startInProcessService('sqlite', { logTo: { write: (line) => lines.push(line) } });
  try {
    const sales = await service.clientFor('sales');
    await sales.get('/cars', { headers: { 'x-request-id': 'trace-me-42' } });
    await service.admin.get('/customers');
    const records = lines.map((line) => JSON.parse(line));
    expect(records.find((record) => record.requestId === 'trace-me-42')).toMatchObject({
      msg: 'request',
      method: 'GET',
      path: '/cars',
      status: 200,
    });
    const text = lines.join('');
    expect(text).not.toContain(service.adminToken);
    expect(text).not.toContain((sales.token ?? '').slice(4));
  } finally {
    await service.stop();
  }
});

it('stays unready until the schema has every migration, when it does not migrate on start', async () => {
  const service = await startInProcessService('mysql', { env: { MIGRATE_ON_START: 'false' } });
  try {
    const before = await service.anonymous.get('/health/ready');
    expect(before.status).toBe(503);
    expect(before.body).toEqual({
      status: 'unavailable',
      detail: 'migrations not applied: 0001-initial-schema, 0002-replication-heartbeat',
    });
    await migrateUp(loadConfig({ DATABASE_URL: service.database.url }), createLogger('silent'));
    expect((await service.anonymous.get('/health/ready')).status).toBe(200);
  } finally {
    await service.stop();
  }
});
