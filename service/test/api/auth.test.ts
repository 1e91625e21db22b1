import { expect, it } from 'vitest';
import { carBody } from '../kit/fixtures.js';
import { describeOnEachDatabase } from '../kit/in-process-service.js';

describeOnEachDatabase('auth and tokens', (service) => {
  it('answers 401 with WWW-Authenticate: Bearer when the token is missing, malformed or unknown', async () => {
    for (const authorization of [
      undefined,
      'Basic dXNlcjpwYXNz',
      'Bearer',
      'Bearer not-a-real-token',
      'Bearer a b',
    ]) {
      const reply = await service().anonymous.get('/customers', {
        headers: authorization === undefined ? {} : { authorization },
      });
      expect(reply.status, String(authorization)).toBe(401);
      expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      expect(reply.body).toMatchObject({ status: 401, title: 'Unauthorized' });
    }
  });

  it('issues a token once, shows it once, and stores only its hash', async () => {
    const reply = await service().admin.post('/tokens', { role: 'sales', name: 'Sam at the front desk' });
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({
      id: expect.any(Number),
      token: expect.any(String),
      role: 'sales',
      name: 'Sam at the front desk',
    });
    expect(reply.body.token.length).toBeGreaterThanOrEqual(40);
    const stored = await service().db.primary.Token.findByPk(reply.body.id);
    expect(stored?.get('tokenHash')).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored?.get({ plain: true }))).not.toContain(reply.body.token);
  });

  it('gives each role what it may do and 403 for the rest', async () => {
    const sales = await service().clientFor('sales');
    const workshop = await service().clientFor('service');
    expect((await sales.post('/cars', carBody())).status).toBe(201);
    expect((await workshop.post('/cars', carBody())).status).toBe(403);
    const forbidden = await sales.post('/tokens', { role: 'admin', name: 'escalate' });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.detail).toContain('sales');
    expect((await workshop.get('/reports/sales-by-salesperson')).status).toBe(403);
  });

  it('stops a revoked token at once', async () => {
    const issued = await service().admin.post('/tokens', { role: 'service', name: 'temp' });
    const client = service().admin.as(issued.body.token);
    expect((await client.get('/parts')).status).toBe(200);
    const revoked = await service().admin.delete(`/tokens/${issued.body.id}`);
    expect(revoked.status).toBe(204);
    expect((await client.get('/parts')).status).toBe(401);
    expect((await service().admin.delete(`/tokens/${issued.body.id}`)).status).toBe(204);
    expect((await service().admin.delete('/tokens/987654')).status).toBe(404);
  });

  it('lets an issued admin token issue and revoke tokens', async () => {
    const admin = await service().clientFor('admin');
    const issued = await admin.post('/tokens', { role: 'sales', name: 'by another admin' });
    expect(issued.status).toBe(201);
    expect((await admin.delete(`/tokens/${issued.body.id}`)).status).toBe(204);
  });

  it('rejects an unknown role or a missing name naming the field', async () => {
    const reply = await service().admin.post('/tokens', { role: 'owner' });
    expect(reply.status).toBe(400);
    expect(reply.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.name', 'body.role']);
  });
});
