import { expect, it } from 'vitest';
import { carBody } from '../kit/fixtures.js';
import { describeOnEachDatabase } from '../kit/in-process-service.js';

const BODY_ROUTES = [
  '/cars',
  '/customers',
  '/salespeople',
  '/mechanics',
  '/parts',
  '/sales',
  '/service-tickets',
  '/tokens',
];

describeOnEachDatabase('bad input', (service) => {
  it('answers 400 naming every bad and every unknown field', async () => {
    const reply = await service().admin.post('/cars', {
      ...carBody(),
      year: 'new',
      listPrice: 'cheap',
      turbo: true,
    });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ type: 'about:blank', title: 'Bad Request', status: 400 });
    expect(reply.body.errors).toEqual([
      { path: 'body.year', message: expect.any(String) },
      { path: 'body.listPrice', message: expect.stringContaining('"cheap"') },
      { path: 'body.turbo', message: 'unknown field' },
    ]);
    expect(reply.body.detail).toContain('body.turbo');
  });

  it.each(BODY_ROUTES)('answers 400 for malformed JSON on POST %s', async (path) => {
    const reply = await service().admin.post(path, undefined, {
      raw: '{"make": "Toyota",',
      headers: { 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.detail).toContain('not valid JSON');
  });

  it.each(BODY_ROUTES)('answers 415 for a body that is not JSON on POST %s', async (path) => {
    const reply = await service().admin.post(path, undefined, {
      raw: 'make=Toyota',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(reply.status).toBe(415);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
  });

  it('answers 415 when the content type is missing', async () => {
    const reply = await service().admin.post('/cars', undefined, { raw: JSON.stringify(carBody()) });
    expect(reply.status).toBe(415);
  });

  it.each(['application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"'])(
    'accepts %s',
    async (contentType) => {
      const reply = await service().admin.post('/cars', undefined, {
        raw: JSON.stringify(carBody()),
        headers: { 'content-type': contentType },
      });
      expect(reply.status).toBe(201);
    },
  );

  it.each([
    'application/json; charset=utf-16',
    'application/json; charset=iso-8859-1',
    'application/json; profile=x',
    'application/problem+json',
    'application/vnd.api+json',
    'application/merge-patch+json',
    'text/json',
  ])('answers 415 for %s, and stores nothing', async (contentType) => {
    const body = carBody();
    const reply = await service().admin.post('/cars', undefined, {
      raw: JSON.stringify(body),
      headers: { 'content-type': contentType },
    });
    expect(reply.status).toBe(415);
    expect(reply.body.detail).toContain(contentType);
    expect((await service().anonymous.get(`/cars?serialNumber=${body.serialNumber}`)).body.total).toBe(0);
  });

  it('answers 400 for a body that is not valid UTF-8, and stores nothing', async () => {
    const body = carBody({ make: 'MAKE' });
    // 0xC3 starts a two-byte sequence that 0x28 cannot continue; 0xFF never occurs in UTF-8.
    for (const bad of [Buffer.from([0xc3, 0x28]), Buffer.from([0xff])]) {
      const json = Buffer.from(JSON.stringify(body), 'utf8');
      const at = json.indexOf('MAKE');
      const raw = Buffer.concat([json.subarray(0, at), bad, json.subarray(at + 4)]);
      const reply = await service().admin.post('/cars', undefined, {
        raw,
        headers: { 'content-type': 'application/json' },
      });
      expect(reply.status).toBe(400);
      expect(reply.body.detail).toBe('the body is not valid UTF-8');
    }
    expect((await service().anonymous.get(`/cars?serialNumber=${body.serialNumber}`)).body.total).toBe(0);
  });

  it('answers 400 for a string holding a lone surrogate, naming the field, and stores nothing', async () => {
    const lastName = `Lone${Date.now()}`;
    for (const lone of ['\\ud800', '\\uDFFF', '\\udc00x\\ud800']) {
      const reply = await service().admin.post('/customers', undefined, {
        raw: `{"firstName":"a${lone}","lastName":"${lastName}"}`,
        headers: { 'content-type': 'application/json' },
      });
      expect(reply.status, lone).toBe(400);
      expect(reply.body.errors).toEqual([
        { path: 'body.firstName', message: expect.stringContaining('surrogate') },
      ]);
    }
    // A pair is a character (U+1F600), and goes through.
    const paired = await service().admin.post('/customers', undefined, {
      raw: `{"firstName":"\\ud83d\\ude00","lastName":"${lastName}"}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(paired.status).toBe(201);
    expect(paired.body.firstName).toBe('\u{1F600}');
  });

  it('treats a "__proto__" key in the JSON text as an unknown field, not as a prototype', async () => {
    // The raw text: a JS object literal would set the prototype, and JSON.stringify would drop it.
    const raw = JSON.stringify(carBody()).replace(/}$/, ',"__proto__":{"role":"admin"}}');
    expect(raw).toContain('"__proto__"');
    const reply = await service().admin.post('/cars', undefined, {
      raw,
      headers: { 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.errors).toEqual([{ path: 'body.__proto__', message: 'unknown field' }]);
    expect(({} as { role?: string }).role).toBeUndefined();
  });

  it('answers OPTIONS with 204 and the methods of the route in Allow', async () => {
    const collection = await service().anonymous.request('OPTIONS', '/cars');
    expect(collection.status).toBe(204);
    expect(collection.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'HEAD', 'POST']);
    const one = await service().anonymous.request('OPTIONS', '/cars/1');
    expect(one.headers.get('allow')?.split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD', 'PATCH']);
    expect((await service().anonymous.request('OPTIONS', '/garages')).status).toBe(404);
  });

  it('answers 413 for a body over 100 kB, declared or chunked, and keeps serving', async () => {
    const big = JSON.stringify({ ...carBody(), color: 'x'.repeat(110 * 1024) });
    const declared = await service().admin.post('/cars', undefined, {
      raw: big,
      headers: { 'content-type': 'application/json' },
    });
    expect(declared.status).toBe(413);
    const chunked = await service().admin.post('/cars', undefined, {
      raw: big,
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    });
    expect(chunked.status).toBe(413);
    expect((await service().anonymous.get('/health/live')).status).toBe(200);
  });

  it.each([
    ['a JSON array', '[]'],
    ['a JSON string', '"car"'],
    ['null', 'null'],
    ['an empty body', ''],
  ])('answers 400 for %s instead of an object', async (_, raw) => {
    const reply = await service().admin.post('/customers', undefined, {
      raw,
      headers: { 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(400);
  });

  it('rejects strings that are too long for their column', async () => {
    const reply = await service().admin.post('/cars', carBody({ make: 'M'.repeat(65) }));
    expect(reply.status).toBe(400);
    expect(reply.body.errors[0].path).toBe('body.make');
  });

  it.each([
    ['a number with 3 decimals', 1.005],
    ['a negative number', -1],
    ['too many digits', '12345678901.00'],
    ['exponent notation', '1e5'],
    ['a boolean', true],
    ['an empty string', ''],
  ])('rejects money given as %s', async (_, listPrice) => {
    const reply = await service().admin.post('/cars', carBody({ listPrice }));
    expect(reply.status).toBe(400);
    expect(reply.body.errors[0].path).toBe('body.listPrice');
  });

  it('answers problem+json 404 for an unknown route and 405 for a wrong method', async () => {
    const missing = await service().anonymous.get('/garages');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 404, title: 'Not Found' });
    const wrong = await service().anonymous.request('PUT', '/cars');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('content-type')).toContain('application/problem+json');
  });

  it('never answers 500 to odd input', async () => {
    const admin = service().admin;
    const probes = await Promise.all([
      admin.get('/cars/%E0%A4%A'),
      admin.get('/cars?make=%00'),
      admin.get(`/cars?make=${'a'.repeat(5000)}`),
      admin.get('/cars?minPrice=99999999999999999999'),
      admin.post('/sales', { carId: 2 ** 40, customerId: 1, salespersonId: 1, salePrice: 1 }),
      admin.post('/sales', { carId: 1.5, customerId: null, salespersonId: [], salePrice: {} }),
      admin.post('/cars', carBody({ year: 1e308 })),
      admin.post('/customers', undefined, {
        raw: '{"firstName":"\\ud800","lastName":"x"}',
        headers: { 'content-type': 'application/json' },
      }),
      admin.patch('/cars/1', undefined, { raw: '{', headers: { 'content-type': 'application/json' } }),
      admin.post('/service-tickets/1/close', { unexpected: 'body' }),
      admin.get('/reports/sales-by-salesperson?from=2026-02-30'),
    ]);
    probes.forEach((reply, index) => {
      expect(reply.status, `probe ${index}: ${JSON.stringify(reply.body)}`).toBeLessThan(500);
    });
  });
});
