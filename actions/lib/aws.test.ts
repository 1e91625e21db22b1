import { createServer, type IncomingMessage, type Server } from 'node:http';
import { EC2Client } from '@aws-sdk/client-ec2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { listenOnLoopback } from '@dealership/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, hasAwsCredentials } from './aws.js';
import { describeError } from './errors.js';

/** A local endpoint that answers SSM's JSON protocol with the scripted replies, in order. */
async function scriptedEndpoint(replies: { status: number; body: object }[]) {
  const seen: string[] = [];
  const server: Server = createServer((request: IncomingMessage, response) => {
    seen.push(String(request.headers['x-amz-target']));
    request.resume();
    const reply = replies.shift() ?? {
      status: 500,
      body: { __type: 'InternalServerError', message: 'no more replies' },
    };
    response.writeHead(reply.status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': `req-${seen.length}`,
    });
    response.end(JSON.stringify(reply.body));
  });
  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => server.close(),
  };
}

const saved = { ...process.env };
beforeEach(() => {
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
});
afterEach(() => {
  process.env = { ...saved };
});

describe('the AWS client factory', () => {
  it('sends requests to AWS_ENDPOINT_URL and retries a throttled call until it succeeds', async () => {
    const endpoint = await scriptedEndpoint([
      { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } },
      { status: 200, body: { Parameter: { Name: '/base', Value: 'ami-0123456789abcdef0', Type: 'String' } } },
    ]);
    try {
      process.env.AWS_ENDPOINT_URL = endpoint.url;
      const ssm = createClient(SSMClient, { region: 'eu-west-1' });
      const result = await ssm.send(new GetParameterCommand({ Name: '/base' }));
      expect(result.Parameter?.Value).toBe('ami-0123456789abcdef0');
      expect(endpoint.seen).toEqual(['AmazonSSM.GetParameter', 'AmazonSSM.GetParameter']);
    } finally {
      endpoint.close();
    }
  });

  it('gives up after maxAttempts and the error shows code, HTTP status and request id', async () => {
    const throttled = { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } };
    const endpoint = await scriptedEndpoint([throttled, throttled]);
    try {
      process.env.AWS_ENDPOINT_URL = endpoint.url;
      const ssm = createClient(SSMClient, { region: 'eu-west-1', maxAttempts: 2 });
      const error = await ssm
        .send(new GetParameterCommand({ Name: '/base' }))
        .catch((caught: unknown) => caught);
      expect(describeError(error)).toMatch(
        /^ThrottlingException: Rate exceeded \(HTTP 400, request id req-2\) — GetParameter: AWS refused the call .* Throttling and server errors were already retried by the SDK: run again later\.$/,
      );
      expect(endpoint.seen).toHaveLength(2);
    } finally {
      endpoint.close();
    }
  });

  it('does not retry an error that retrying cannot fix', async () => {
    const endpoint = await scriptedEndpoint([
      { status: 400, body: { __type: 'ParameterNotFound', message: 'Parameter /base not found.' } },
    ]);
    try {
      process.env.AWS_ENDPOINT_URL = endpoint.url;
      const ssm = createClient(SSMClient, { region: 'eu-west-1' });
      const error = await ssm
        .send(new GetParameterCommand({ Name: '/base' }))
        .catch((caught: unknown) => caught);
      // The client names the operation on its errors, so the formatter adds AWS_ERRORS' advice.
      expect(describeError(error)).toBe(
        'ParameterNotFound: Parameter /base not found. (HTTP 400, request id req-1) — GetParameter: No SSM ' +
          'parameter of that name in this region: check "base-image" (resolve:ssm:/aws/service/… names a public ' +
          'parameter, which exists per region) and the region.',
      );
      expect(endpoint.seen).toHaveLength(1);
    } finally {
      endpoint.close();
    }
  });

  it('reports whether the default credential chain finds credentials', async () => {
    const ec2 = createClient(EC2Client, { region: 'eu-west-1' });
    expect(await hasAwsCredentials(ec2)).toBe(true);
    expect(
      await hasAwsCredentials({ config: { credentials: () => Promise.reject(new Error('none')) } }),
    ).toBe(false);
  });
});
