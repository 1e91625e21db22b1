import { expect, it } from 'vitest';
import { describeOnEachDatabase } from '../kit/in-process-service.js';
import { runBuilt as node } from '../kit/service-process.js';

describeOnEachDatabase('the token and migrate CLIs', (service) => {
  it('creates a token that works, and revokes it so that it stops working', async () => {
    const env = { DATABASE_URL: service().database.url };
    const created = await node(
      'cli/token',
      ['create', '--role', 'service', '--name', 'workshop tablet'],
      env,
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const token = JSON.parse(created.stdout);
    expect(token).toMatchObject({ id: expect.any(Number), role: 'service', name: 'workshop tablet' });
    const client = service().admin.as(token.token);
    expect((await client.get('/parts')).status).toBe(200);
    expect((await client.get('/invoices')).status).toBe(403);

    const revoked = await node('cli/token', ['revoke', String(token.id)], env);
    expect(revoked.code).toBe(0);
    expect((await client.get('/parts')).status).toBe(401);
  });

  it('answers exit 1 naming an unknown token id', async () => {
    const unknown = await node('cli/token', ['revoke', '987654'], { DATABASE_URL: service().database.url });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('token 987654 does not exist');
  });

  it('reports migration status and applies nothing twice', async () => {
    const env = { DATABASE_URL: service().database.url };
    const status = await node('cli/migrate', ['status'], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual({
      applied: ['0001-initial-schema', '0002-replication-heartbeat'],
      pending: [],
    });
    const up = await node('cli/migrate', ['up'], env);
    expect(up.code).toBe(0);
    expect(JSON.parse(up.stdout)).toEqual({ applied: [] });
  });
});

it('explains bad arguments with exit 2 before touching any database', async () => {
  const env = { DATABASE_URL: 'mysql://nobody@127.0.0.1:1/never' };
  const [badRole, noName, badId, badCommand] = await Promise.all([
    node('cli/token', ['create', '--role', 'owner', '--name', 'x'], env),
    node('cli/token', ['create', '--role', 'sales'], env),
    node('cli/token', ['revoke', 'abc'], env),
    node('cli/migrate', ['sideways'], env),
  ]);
  expect(badRole.code).toBe(2);
  expect(badRole.stderr).toContain('--role must be one of admin, sales, service; got "owner"');
  expect(noName.code).toBe(2);
  expect(noName.stderr).toContain('--name');
  expect(badId.code).toBe(2);
  expect(badId.stderr).toContain('"abc"');
  expect(badCommand.code).toBe(2);
  expect(badCommand.stderr).toContain('expected up, status, columns or grant-app-user');
});

it('lists the tables and columns the models map, with no database at all (migrate columns)', async () => {
  const listed = await node('cli/migrate', ['columns'], { DATABASE_URL: 'mysql://nobody@127.0.0.1:1/never' });
  expect(listed.stderr).toBe('');
  expect(listed.code).toBe(0);
  const tables = JSON.parse(listed.stdout) as Record<string, { attribute: string; field: string }[]>;
  expect(Object.keys(tables)).toEqual(expect.arrayContaining(['cars', 'invoices', 'service_tickets']));
  expect(tables.cars).toContainEqual(
    expect.objectContaining({
      model: 'cars',
      attribute: 'serialNumber',
      field: 'serial_number',
      allowNull: false,
    }),
  );
});

it('refuses to start with a bad setting, naming the variable and the value', async () => {
  const cases: [Record<string, string>, string][] = [
    [{ PORT: 'http' }, 'PORT="http"'],
    [{ DATABASE_URL: 'oracle://db/x' }, 'DATABASE_URL="oracle://db/x"'],
    [{ MIGRATE_ON_START: 'sometimes' }, 'MIGRATE_ON_START="sometimes"'],
  ];
  const results = await Promise.all(cases.map(([env]) => node('main', [], env)));
  results.forEach((result, index) => {
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`configuration error: ${cases[index]![1]}`);
  });
});
