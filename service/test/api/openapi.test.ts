import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Body } from '../kit/client.js';
import { schemaValidator } from '../kit/contract.js';
import {
  carBody,
  createCustomer,
  createMechanic,
  customerBody,
  mechanicBody,
  openTicket,
  partBody,
  salespersonBody,
} from '../kit/fixtures.js';
import { type InProcessService, startInProcessService } from '../kit/in-process-service.js';
import { SERVICE_DIR } from '../kit/service-process.js';

const run = promisify(execFile);

let service: InProcessService;
let document: Body;

beforeAll(async () => {
  service = await startInProcessService('sqlite');
  document = (await service.anonymous.get('/openapi.json')).body;
});
afterAll(() => service?.stop());

describe('the OpenAPI document', () => {
  it('is clean under redocly lint with its recommended rules', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dealership-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      await writeFile(file, JSON.stringify(document, null, 2));
      const redocly = join(SERVICE_DIR, '..', 'node_modules', '.bin', 'redocly');
      const result = await run(redocly, ['lint', '--extends=recommended', '--format=json', file], {
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      }).catch((error: { stdout?: string; stderr?: string; code?: number }) => error);
      const report = JSON.parse(result.stdout ?? '{}') as {
        totals?: { errors: number; warnings: number };
        problems?: { ruleId: string; message: string }[];
      };
      expect(report.problems?.map(({ ruleId, message }) => `${ruleId}: ${message}`)).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('gives every operation a unique operationId, and serves health, version and itself', () => {
    const operations = Object.entries(document.paths as Record<string, Record<string, Body>>).flatMap(
      ([path, methods]) =>
        Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(document.servers).toEqual([{ url: '/', description: expect.any(String) }]);
    for (const path of ['/health/live', '/health/ready', '/version', '/openapi.json']) {
      expect(document.paths[path]?.get?.responses?.['200'], path).toBeDefined();
    }
    expect(Object.keys(document.paths['/health/ready'].get.responses)).toContain('503');
  });

  it('declares Location on 201s, WWW-Authenticate on 401s, Retry-After on 503s', () => {
    const responses = Object.values(document.paths as Record<string, Record<string, Body>>).flatMap(
      (methods) =>
        Object.values(methods).flatMap((operation) =>
          Object.entries(operation.responses as Record<string, Body>),
        ),
    );
    const headerOf = (status: string) =>
      responses
        .filter(([code]) => code === status)
        .map(([, response]) => Object.keys(response.headers ?? {}));
    expect(headerOf('201').length).toBeGreaterThan(0);
    // POST /tokens, /labor and /parts lines answer 201 without a resource to point at.
    expect(headerOf('201').filter((headers) => headers.includes('Location')).length).toBeGreaterThanOrEqual(
      7,
    );
    expect(headerOf('401').every((headers) => headers.includes('WWW-Authenticate'))).toBe(true);
    const problem503 = responses.filter(
      ([code, response]) => code === '503' && response.content?.['application/problem+json'],
    );
    expect(problem503.length).toBeGreaterThan(30);
    expect(
      problem503.every(([, response]) => Object.keys(response.headers ?? {}).includes('Retry-After')),
    ).toBe(true);
  });

  it('types ids, limit, offset and year as integers with their bounds', () => {
    const parameter = (path: string, name: string) =>
      document.paths[path].get.parameters.find((p: { name: string }) => p.name === name).schema;
    expect(parameter('/cars/{id}', 'id')).toEqual({ type: 'integer', minimum: 1, maximum: 2_147_483_647 });
    expect(parameter('/cars', 'limit')).toEqual({ type: 'integer', minimum: 1, maximum: 100, default: 20 });
    expect(parameter('/cars', 'offset')).toMatchObject({ type: 'integer', minimum: 0, default: 0 });
    expect(parameter('/cars', 'year')).toEqual({ type: 'integer', minimum: 1886, maximum: 2100 });
  });
});

/**
 * The document and the service agree on what is valid input: for each value, a validator that reads only
 * the document accepts it exactly when the service does (anything but 400).
 */
describe('the document and the service agree on each input', () => {
  const ajv = schemaValidator();
  const bodySchema = (path: string, method: string) => ({
    ...document.paths[path][method].requestBody.content['application/json'].schema,
    components: document.components,
  });
  const parameterSchema = (path: string, name: string) =>
    document.paths[path].get.parameters.find((p: { name: string }) => p.name === name).schema;

  /** For each value, [what the document says, what the service says]: true means valid. */
  async function verdicts(
    schema: Record<string, unknown>,
    values: unknown[],
    send: (value: unknown) => Promise<{ status: number }>,
  ): Promise<[unknown, boolean, boolean][]> {
    const validate = ajv.compile(schema);
    const results: [unknown, boolean, boolean][] = [];
    for (const value of values) {
      const reply = await send(value);
      expect(reply.status, JSON.stringify(value)).toBeLessThan(500);
      results.push([value, validate(value) as boolean, reply.status !== 400]);
    }
    return results;
  }
  const disagreements = (results: [unknown, boolean, boolean][]) =>
    results.filter(([, documented, served]) => documented !== served).map(([value]) => value);

  const MONEY: unknown[] = [
    'cheap',
    -1,
    '-1',
    '1.005',
    1.005,
    1e30,
    1e21,
    '1e5',
    1e5,
    0.1 + 0.2,
    0.29,
    12,
    '12',
    12.5,
    '12.5',
    '12.50',
    '12.',
    '.5',
    ' 12',
    '0',
    0,
    '0012.50',
    '9999999999.99',
    9_999_999_999.99,
    '10000000000',
    10_000_000_000,
    '',
    true,
    null,
    [],
    {},
  ];

  it('on money (list price, up to 9999999999.99)', async () => {
    const schema = bodySchema('/cars', 'post');
    const checked = await verdicts(
      schema,
      MONEY.map((listPrice) => carBody({ listPrice })),
      (body) => service.admin.post('/cars', body),
    );
    expect(disagreements(checked)).toEqual([]);
    // The examples: the document refuses what the service refuses.
    for (const listPrice of ['cheap', -1, '1.005', 1e30]) {
      expect(checked.find(([body]) => (body as Body).listPrice === listPrice)?.slice(1)).toEqual([
        false,
        false,
      ]);
    }
  });

  it.each([
    [
      '/mechanics',
      'hourlyRate',
      mechanicBody,
      ['99999.99', 99_999.99, '100000', 100_000, '0', '95.5', 95.555],
    ],
    ['/parts', 'unitPrice', partBody, ['999999.99', '1000000', 12.5, '12.505', -0.01]],
    [
      '/salespeople',
      'commissionRate',
      salespersonBody,
      ['0', '1', '1.0000', '1.0001', '0.05', 0.0525, '0.00005', 2],
    ],
  ] as const)('on %s %s', async (path, field, body, values) => {
    const checked = await verdicts(
      bodySchema(path, 'post'),
      values.map((value) => body({ [field]: value })),
      (sent) => service.admin.post(path, sent),
    );
    expect(disagreements(checked)).toEqual([]);
  });

  it('on labor hours (more than 0, up to 999.99)', async () => {
    const [ticket, mechanic] = await Promise.all([openTicket(service.admin), createMechanic(service.admin)]);
    const path = `/service-tickets/${ticket.id}/labor`;
    const checked = await verdicts(
      bodySchema('/service-tickets/{id}/labor', 'post'),
      ['0', 0, '0.00', '0.01', 0.5, '999.99', '1000', -1, '1.234'].map((hours) => ({
        mechanicId: mechanic.id,
        hours,
        description: 'brakes',
      })),
      (sent) => service.admin.post(path, sent),
    );
    expect(disagreements(checked)).toEqual([]);
  });

  it('on e-mail addresses', async () => {
    const emails = [
      'ada@example.com',
      'a@example-.com',
      'a@-example.com',
      'a.b+c@mail.example.co',
      'a..b@example.com',
      '.a@example.com',
      'a@example',
      'a@example.c',
      'a b@example.com',
      `${'a'.repeat(250)}@example.com`,
      null,
    ];
    const checked = await verdicts(
      bodySchema('/customers', 'post'),
      emails.map((email) => customerBody({ email })),
      (sent) => service.admin.post('/customers', sent),
    );
    expect(disagreements(checked)).toEqual([]);
    expect(checked.find(([body]) => (body as Body).email === 'a@example-.com')?.slice(1)).toEqual([
      false,
      false,
    ]);
  });

  it('on PATCH bodies (at least one field)', async () => {
    const customer = await createCustomer(service.admin);
    const checked = await verdicts(
      bodySchema('/customers/{id}', 'patch'),
      [{}, { city: 'Springfield' }],
      (sent) => service.admin.patch(`/customers/${customer.id}`, sent),
    );
    expect(disagreements(checked)).toEqual([]);
  });

  it('on integer query parameters, sent as a client serialises them', async () => {
    for (const [name, values] of [
      ['limit', [0, 1, 100, 101, -1, 1.5]],
      ['offset', [0, -1, 2_147_483_647, 2_147_483_648]],
      ['year', [1885, 1886, 2100, 2101]],
    ] as const) {
      const checked = await verdicts(parameterSchema('/cars', name), [...values], (value) =>
        service.anonymous.get(`/cars?${name}=${String(value)}`),
      );
      expect(disagreements(checked), name).toEqual([]);
    }
  });
});
