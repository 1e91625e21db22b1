/** The built release action as the runner runs it: its summary from a record in moto's S3, and a bad input. */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { type MotoServer, startMoto } from '@dealership/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltAction } from '../../test-support/run-action.js';
import { emptyRecord } from './record.js';
import { writeRecord } from './record-write.js';

let moto: MotoServer;
const inputs = {
  environment: 'production',
  application: 'dealership',
  'deployment-group': 'production',
  'auto-scaling-group': 'dealership-web',
  'launch-template': 'dealership-service',
  'revision-bucket': 'e2e-revisions',
};

beforeAll(async () => {
  moto = await startMoto();
  const s3 = new S3Client({ ...moto.clientConfig, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'e2e-revisions' }));
  const record = emptyRecord('production');
  record.releases.push({
    id: '77-1',
    kind: 'deploy',
    commit: 'c0ffee'.padEnd(40, '0'),
    revision: 's3://e2e-revisions/revisions/abc.zip',
    outcome: 'failed',
    rollback: 'succeeded',
    startedAt: '2026-01-15T09:00:00.000Z',
    endedAt: '2026-01-15T09:20:00.000Z',
    stages: [
      {
        name: 'app',
        startedAt: '2026-01-15T09:00:00.000Z',
        endedAt: '2026-01-15T09:05:00.000Z',
        outcome: 'succeeded',
        detail: 'd-1 Succeeded',
      },
      {
        name: 'smoke',
        startedAt: '2026-01-15T09:05:00.000Z',
        endedAt: '2026-01-15T09:10:00.000Z',
        outcome: 'timed-out',
      },
      {
        name: 'rollback: app',
        startedAt: '2026-01-15T09:10:00.000Z',
        endedAt: '2026-01-15T09:15:00.000Z',
        outcome: 'succeeded',
      },
    ],
  });
  await writeRecord(s3, 'e2e-revisions', record, undefined);
  s3.destroy();
});
afterAll(async () => {
  await moto?.stop();
});

describe('the built release action', () => {
  it('writes the run’s timeline, rollback included, as the job summary', async () => {
    const run = await runBuiltAction('release', {
      env: { ...moto.env, GITHUB_RUN_ID: '77', GITHUB_RUN_ATTEMPT: '1' },
      inputs: { ...inputs, mode: 'summary' },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.summary).toContain('### Release of c0ffee000000 to production: failed');
    expect(run.summary).toContain('| rollback after the failure | succeeded |');
    expect(run.summary).toMatch(/\| smoke \| 09:05:00 \| 09:10:00 \| 5m00s \| ⏱️ timed out \|/);
    expect(run.summary).toContain('| rollback: app | 09:10:00 | 09:15:00 | 5m00s | ✅ succeeded |');
    expect(run.outputs).toMatchObject({ 'release-id': '77-1', outcome: 'failed' });
  });

  it('fails naming a bad input and its value, before calling AWS', async () => {
    const run = await runBuiltAction('release', { env: moto.env, inputs: { ...inputs, mode: 'ship-it' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'Input "mode" must be one of deploy, rollback, recover, summary, gate, promote, abort, watch; got "ship-it".',
    );
  });
});
