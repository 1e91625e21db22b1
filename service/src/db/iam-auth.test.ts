import { afterAll, beforeAll, expect, it } from 'vitest';
import { rdsIamTokens } from './iam-auth.js';

// The SDK's default credential chain reads these first; the signature is made locally, so no AWS call
// happens. Whether RDS accepts a token can only be checked against RDS (see database-identity.test.ts).
const saved = { ...process.env };
beforeAll(() => {
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
});
afterAll(() => {
  process.env = saved;
});

it('signs an rds-db connect token for the URL host, port and user, in the region', async () => {
  const tokens = rdsIamTokens('eu-west-1');
  const target = {
    dialect: 'mysql' as const,
    url: 'mysql://dealer@db.example.internal:3306/dealership',
    database: 'dealership',
    host: 'db.example.internal',
    port: 3306,
    user: 'dealer',
  };
  const token = await tokens(target);
  const url = new URL(`https://${token}`);
  expect(url.host).toBe('db.example.internal:3306');
  expect(url.searchParams.get('Action')).toBe('connect');
  expect(url.searchParams.get('DBUser')).toBe('dealer');
  expect(url.searchParams.get('X-Amz-Credential')).toMatch(
    /^AKIDEXAMPLE\/\d{8}\/eu-west-1\/rds-db\/aws4_request$/,
  );
  expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
  // A fresh token for each new connection: a later one is signed again.
  expect(await tokens(target)).toMatch(/X-Amz-Signature=[0-9a-f]{64}/);
});
