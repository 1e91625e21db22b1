import { afterEach, describe, expect, it } from 'vitest';
import { setInputs } from '../../test-support/inputs.js';
import { readDeployInputs } from './inputs.js';

const base = { region: 'eu-west-1', application: 'dealership', 'deployment-group': 'dealership-web' };

let clear = () => {};
afterEach(() => clear());

function read(inputs: Record<string, string>) {
  clear = setInputs({ ...base, ...inputs });
  return readDeployInputs();
}

describe('codedeploy-deploy inputs', () => {
  it('defaults to waiting, 10 s polls, OVERWRITE, stop on cancel and the application name as key prefix', () => {
    expect(read({ bundle: 'build/revision', 's3-bucket': 'dealership-revisions' })).toMatchObject({
      source: { bundle: 'build/revision', bucket: 'dealership-revisions', prefix: 'dealership' },
      fileExistsBehavior: 'OVERWRITE',
      wait: true,
      timeoutMs: 1_800_000,
      pollMs: 10_000,
      onCancel: 'stop',
    });
  });

  it('reads a revision to redeploy with the bundle type its extension names', () => {
    expect(read({ revision: 's3://dealership-revisions/dealership/abc.tar.gz' }).source).toEqual({
      revision: { bucket: 'dealership-revisions', key: 'dealership/abc.tar.gz', bundleType: 'tgz' },
    });
    expect(read({ revision: 's3://b-1/x.zip', 'poll-seconds': '1' }).pollMs).toBe(1000);
  });

  it.each([
    [
      {},
      'Input "bundle" needs exactly one of bundle (a folder or .zip to upload) and revision (s3://bucket/key to redeploy); got "".',
    ],
    [
      { bundle: 'b', revision: 's3://b-1/x.zip', 's3-bucket': 'abc' },
      /"revision" needs exactly one of bundle/,
    ],
    [
      { bundle: 'b' },
      'Input "s3-bucket" must name the S3 bucket the bundle is uploaded to (needed with bundle); got "".',
    ],
    [
      { revision: 'https://b/x.zip' },
      /"revision" must be an S3 URL such as s3:\/\/bucket\/path\/revision.zip; got "https:\/\/b\/x.zip"/,
    ],
    [
      { revision: 's3://bucket/x.rar' },
      /"revision" must end in .zip, .tar, .tar.gz or .tgz \(the bundle type\); got "s3:\/\/bucket\/x.rar"/,
    ],
    [
      { revision: 's3://b-1/x.zip', 'poll-seconds': '0.5' },
      /"poll-seconds" must be a whole number of at least 1; got "0.5"/,
    ],
    [
      { revision: 's3://b-1/x.zip', 'on-cancel': 'rollback' },
      /"on-cancel" must be one of stop, none; got "rollback"/,
    ],
    [
      { revision: 's3://b-1/x.zip', 'file-exists-behavior': 'overwrite' },
      /"file-exists-behavior" must be one of DISALLOW, OVERWRITE, RETAIN/,
    ],
    [{ revision: 's3://b-1/x.zip', wait: 'no' }, /"wait" must be true or false; got "no"/],
  ])('refuses %j with a message naming the input and the value', (inputs, message) => {
    expect(() => read(inputs as Record<string, string>)).toThrow(message);
  });
});
