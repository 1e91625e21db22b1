/** The built action as the runner runs it, against a real moto server. */
import {
  CreateLaunchTemplateCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { type MotoServer, startMoto } from '@dealership/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltAction } from '../../test-support/run-action.js';

let moto: MotoServer;
let ec2: EC2Client;

beforeAll(async () => {
  moto = await startMoto();
  ec2 = new EC2Client(moto.clientConfig);
});
afterAll(async () => {
  ec2?.destroy();
  await moto?.stop();
});

const roll = (inputs: Record<string, string>) =>
  runBuiltAction('roll-launch-template', {
    inputs,
    env: { ...moto.env, GITHUB_SHA: 'c0ffee'.padEnd(40, '0') },
  });

describe('roll-launch-template against moto', () => {
  it('creates a version with the new image, makes it the default, and creates nothing on a re-run', async () => {
    await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'dealership-e2e',
        LaunchTemplateData: {
          ImageId: 'ami-00000000000000001',
          InstanceType: 't3.small',
          SecurityGroupIds: ['sg-0123456789abcdef0'],
          UserData: Buffer.from('#!/bin/sh\necho hello\n').toString('base64'),
        },
      }),
    );

    const first = await roll({ 'launch-template': 'dealership-e2e', 'image-id': 'ami-00000000000000002' });
    expect(first.stderr + first.stdout).not.toContain('::error');
    expect(first.code).toBe(0);
    expect(first.outputs).toMatchObject({
      version: '2',
      'previous-version': '1',
      created: 'true',
      'default-version': '2',
    });
    expect(first.summary).toContain('Launch template rolled');

    const versions = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'dealership-e2e', Versions: ['2'] }),
    );
    const data = versions.LaunchTemplateVersions?.[0]?.LaunchTemplateData;
    expect(data?.ImageId).toBe('ami-00000000000000002');
    expect(data?.InstanceType).toBe('t3.small');
    expect(data?.SecurityGroupIds).toEqual(['sg-0123456789abcdef0']);
    expect(versions.LaunchTemplateVersions?.[0]?.VersionDescription).toBe(
      'ami-00000000000000002 from c0ffee000000',
    );
    const described = await ec2.send(
      new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['dealership-e2e'] }),
    );
    expect(described.LaunchTemplates?.[0]?.DefaultVersionNumber).toBe(2);

    const again = await roll({
      'launch-template': first.outputs['launch-template-id']!,
      'image-id': 'ami-00000000000000002',
    });
    expect(again.code).toBe(0);
    expect(again.outputs).toMatchObject({ version: '2', 'previous-version': '1', created: 'false' });
    const after = await ec2.send(
      new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['dealership-e2e'] }),
    );
    expect(after.LaunchTemplates?.[0]?.LatestVersionNumber).toBe(2);
  });

  it.each([
    { input: 'image-id', value: 'image-2', expected: 'must be an AMI id' },
    { input: 'launch-template', value: 'x', expected: 'must be a launch template id (lt-…) or name' },
    { input: 'set-default', value: 'maybe', expected: 'must be true or false' },
    { input: 'source-version', value: 'newest', expected: 'must be $Default, $Latest or a version number' },
  ])(
    'fails with exit code 1 and a message naming $input when it is $value',
    async ({ input, value, expected }) => {
      const run = await roll({
        'launch-template': 'dealership-e2e',
        'image-id': 'ami-00000000000000002',
        [input]: value,
      });
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`::error::Input "${input}" ${expected}`);
      expect(run.stdout).toContain(`got "${value}"`);
      expect(run.outputs.created).toBe('false');
    },
  );

  it('fails with the AWS error code and request id when the template does not exist', async () => {
    const run = await roll({ 'launch-template': 'no-such-template', 'image-id': 'ami-00000000000000002' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::InvalidLaunchTemplate\w*\.NotFound\w*: .*\(HTTP 400, request id [\w-]+\)/,
    );
  });
});
