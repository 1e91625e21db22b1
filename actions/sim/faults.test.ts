import { createServer, type Server } from 'node:http';
import * as autoScalingSdk from '@aws-sdk/client-auto-scaling';
import { AutoScalingClient, DescribeInstanceRefreshesCommand } from '@aws-sdk/client-auto-scaling';
import * as codeDeploySdk from '@aws-sdk/client-codedeploy';
import {
  CodeDeployClient,
  GetDeploymentCommand,
  ListDeploymentTargetsCommand,
} from '@aws-sdk/client-codedeploy';
import * as ssmSdk from '@aws-sdk/client-ssm';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { listenOnLoopback } from '@dealership/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig } from '../lib/aws.js';
import { FakeClock } from './clock.js';
import { CodeDeploySim } from './codedeploy.js';
import { awsError, errorShape, injectFaults } from './faults.js';
import { simulatedClient } from './plug.js';

// The real answer each case stands for, as the service's protocol puts it on the wire.
let answer: { status: number; type: string; body: string } = { status: 400, type: '', body: '' };
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      res
        .writeHead(answer.status, { 'content-type': answer.type, 'x-amzn-requestid': 'r-1' })
        .end(answer.body),
    );
  });
  const port = await listenOnLoopback(server);
  endpoint = `http://127.0.0.1:${port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const config = () => ({
  ...awsClientConfig({ region: 'eu-west-1', maxAttempts: 1 }),
  endpoint,
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});

async function thrown(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

const essentials = (e: Error & Record<string, unknown>) => ({
  name: e.name,
  class: e.constructor.name,
  fault: e.$fault,
  status: (e.$metadata as { httpStatusCode?: number }).httpStatusCode,
});

describe('awsError builds what the SDK’s deserializer makes of a real error response', () => {
  it('JSON 1.1 client fault (CodeDeploy)', async () => {
    answer = {
      status: 400,
      type: 'application/x-amz-json-1.1',
      body: JSON.stringify({ __type: 'DeploymentNotStartedException', message: 'not started' }),
    };
    const real = await thrown(
      new CodeDeployClient(config()).send(new ListDeploymentTargetsCommand({ deploymentId: 'd-1' })),
    );
    expect(essentials(awsError(codeDeploySdk, 'DeploymentNotStartedException') as never)).toEqual(
      essentials(real),
    );
    expect(real).toBeInstanceOf(codeDeploySdk.DeploymentNotStartedException);
  });

  it('JSON 1.1 server fault (SSM InternalServerError)', async () => {
    answer = {
      status: 500,
      type: 'application/x-amz-json-1.1',
      body: JSON.stringify({ __type: 'InternalServerError', message: 'oops' }),
    };
    const real = await thrown(new SSMClient(config()).send(new GetParameterCommand({ Name: '/x' })));
    expect(essentials(awsError(ssmSdk, 'InternalServerError') as never)).toEqual(essentials(real));
  });

  it('query protocol, whose wire code differs from the class name (Auto Scaling ResourceContention)', async () => {
    answer = {
      status: 500,
      type: 'text/xml',
      body: '<ErrorResponse><Error><Type>Receiver</Type><Code>ResourceContention</Code><Message>busy</Message></Error><RequestId>r-1</RequestId></ErrorResponse>',
    };
    const real = await thrown(
      new AutoScalingClient(config()).send(
        new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'g' }),
      ),
    );
    expect(essentials(awsError(autoScalingSdk, 'ResourceContentionFault') as never)).toEqual(
      essentials(real),
    );
    expect(errorShape(autoScalingSdk, 'ResourceContentionFault')).toEqual({ fault: 'server', status: 500 });
  });

  it('refuses a name the installed SDK does not have', () => {
    expect(() => awsError(codeDeploySdk, 'NoSuchThingException')).toThrow(
      'the installed SDK module has no error shape named NoSuchThingException',
    );
  });
});

describe('injectFaults', () => {
  it('fails the named operation, lets the client’s retry strategy see it, then lets calls through', async () => {
    const clock = new FakeClock();
    const sim = new CodeDeploySim(() => clock.now());
    const client = simulatedClient(CodeDeployClient, sim);
    const log = injectFaults(client, [
      {
        operation: 'GetDeployment',
        error: () => awsError(codeDeploySdk, 'DeploymentDoesNotExistException'),
        times: 1,
      },
    ]);
    await expect(client.send(new GetDeploymentCommand({ deploymentId: 'd-1' }))).rejects.toBeInstanceOf(
      codeDeploySdk.DeploymentDoesNotExistException,
    );
    // A client fault is not retried: one failed call, and the next one reaches the simulation.
    expect(log.calls).toEqual([{ operation: 'GetDeployment', failed: true }]);
    await expect(client.send(new GetDeploymentCommand({ deploymentId: 'd-1' }))).rejects.toThrow(
      'The deployment d-1 could not be found.',
    );
    expect(sim.ledger.count('GetDeployment')).toBe(1);
  });

  it('a throttling error is retried by the SDK’s adaptive strategy until the fault runs out', async () => {
    const clock = new FakeClock();
    const sim = new CodeDeploySim(() => clock.now());
    const client = simulatedClient(CodeDeployClient, sim);
    const log = injectFaults(client, [
      { operation: 'ListDeployments', error: () => awsError(codeDeploySdk, 'ThrottlingException'), times: 2 },
    ]);
    const result = await client.send(
      new codeDeploySdk.ListDeploymentsCommand({
        applicationName: 'dealership',
        deploymentGroupName: 'dealership-web',
      }),
    );
    expect(result.$metadata.attempts).toBe(3);
    expect(log.calls.map((c) => c.failed)).toEqual([true, true, false]);
  });
});
