import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateImageCommand,
  CreateTagsCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  type DescribeImagesCommandInput,
  DescribeInstancesCommand,
  EC2Client,
  GetConsoleOutputCommand,
  type Image,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { InputError, PollAbortedError, PollTimeoutError } from '../../lib/index.js';
import { FakeClock } from '../../sim/clock.js';
import { type BakeRequest, type BakeState, bake } from './bake.js';

const ec2Mock = mockClient(EC2Client);
const ssmMock = mockClient(SSMClient);
const ec2 = new EC2Client({ region: 'eu-west-1' });
const ssm = new SSMClient({ region: 'eu-west-1' });

function workspace(script = '#!/bin/sh\nset -e\napt-get install -y nodejs\npoweroff\n') {
  const root = mkdtempSync(join(tmpdir(), 'bake-'));
  mkdirSync(join(root, 'deploy/image'), { recursive: true });
  writeFileSync(join(root, 'deploy/image/provision.sh'), script);
  writeFileSync(join(root, 'deploy/image/node.conf'), 'NODE_MAJOR=24\n');
  return root;
}

const request = (overrides: Partial<BakeRequest> = {}): BakeRequest => ({
  base: { imageId: 'ami-0000000000000ba5e' },
  provisionScript: 'deploy/image/provision.sh',
  recipePaths: ['deploy/image/node.conf'],
  workspace: workspace(),
  instanceType: 't3.small',
  subnetId: 'subnet-0123456789abcdef0',
  securityGroupIds: ['sg-0123456789abcdef0'],
  instanceProfile: 'dealership-builder',
  namePrefix: 'dealership',
  tags: { team: 'sales' },
  keepImages: 0,
  timeoutMs: 60 * 60_000,
  pollIntervalMs: 15_000,
  commit: 'c0ffee'.padEnd(40, '0'),
  ...overrides,
});

const BUILDER = 'i-0123456789abcdef0';
const NEW_IMAGE = 'ami-0000000000000new';
const newImage: Image = {
  ImageId: NEW_IMAGE,
  Name: 'dealership-new',
  State: 'available',
  BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-0000000000000001' } }],
};

/** Scripted EC2: no cached image; the builder reports `states` in turn; the image reports `imageStates`. */
function givenEc2({
  cached,
  states = ['pending', 'running', 'stopped'],
  imageStates = ['pending', 'available'],
}: {
  cached?: Image;
  states?: string[];
  imageStates?: string[];
} = {}) {
  ec2Mock.on(DescribeImagesCommand).callsFake((input: DescribeImagesCommandInput) => {
    if (input.ImageIds) {
      const state = imageStates.length > 1 ? imageStates.shift()! : imageStates[0]!;
      return { Images: [{ ...newImage, State: state }] };
    }
    return { Images: cached ? [cached] : [] };
  });
  ec2Mock.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: BUILDER }] });
  ec2Mock.on(DescribeInstancesCommand).callsFake(() => {
    const state = states.length > 1 ? states.shift()! : states[0]!;
    return { Reservations: [{ Instances: [{ InstanceId: BUILDER, State: { Name: state } }] }] };
  });
  ec2Mock.on(CreateImageCommand).resolves({ ImageId: NEW_IMAGE });
  ec2Mock.on(TerminateInstancesCommand).resolves({});
  ec2Mock
    .on(GetConsoleOutputCommand)
    .resolves({ Output: Buffer.from('E: Unable to locate package nodejs\n').toString('base64') });
}

const terminated = () =>
  ec2Mock.commandCalls(TerminateInstancesCommand).map((call) => call.args[0].input.InstanceIds);

beforeEach(() => {
  ec2Mock.reset();
  ssmMock.reset();
});

describe('bake', () => {
  it('reuses an available image with the recipe hash and launches no builder', async () => {
    givenEc2({ cached: { ImageId: 'ami-00000000000cached', Name: 'dealership-old', State: 'available' } });
    const state = await bake({ ec2, ssm, clock: new FakeClock() }, request());
    expect(state).toMatchObject({ cacheHit: true, imageId: 'ami-00000000000cached' });
    expect(state.builderInstanceId).toBeUndefined();
    expect(state.recipeHash).toMatch(/^[0-9a-f]{64}$/);
    const lookup = ec2Mock.commandCalls(DescribeImagesCommand)[0]!.args[0].input;
    expect(lookup.Owners).toEqual(['self']);
    expect(lookup.Filters).toContainEqual({ Name: 'tag:dealership:recipe-hash', Values: [state.recipeHash] });
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
  });

  it('bakes on a miss: builder with the script as user data, image tagged with hash and commit, builder terminated', async () => {
    givenEc2();
    const clock = new FakeClock(Date.parse('2026-11-24T23:00:00Z'));
    const req = request();
    const state = await bake({ ec2, ssm, clock }, req);

    expect(state).toMatchObject({ cacheHit: false, imageId: NEW_IMAGE, builderInstanceId: BUILDER });
    expect(state.imageName).toBe(`dealership-20261124T230000Z-${state.recipeHash!.slice(0, 12)}`);

    const launch = ec2Mock.commandCalls(RunInstancesCommand)[0]!.args[0].input;
    expect(Buffer.from(launch.UserData!, 'base64').toString()).toContain('apt-get install -y nodejs');
    expect(launch).toMatchObject({
      ImageId: 'ami-0000000000000ba5e',
      SubnetId: 'subnet-0123456789abcdef0',
      SecurityGroupIds: ['sg-0123456789abcdef0'],
      IamInstanceProfile: { Name: 'dealership-builder' },
      InstanceInitiatedShutdownBehavior: 'stop',
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' },
    });
    expect(launch.TagSpecifications?.map((spec) => spec.ResourceType)).toEqual(['instance', 'volume']);
    expect(launch.TagSpecifications?.[0]?.Tags).toContainEqual({ Key: 'dealership:role', Value: 'builder' });

    const create = ec2Mock.commandCalls(CreateImageCommand)[0]!.args[0].input;
    expect(create.InstanceId).toBe(BUILDER);
    expect(create.Name).toBe(state.imageName);

    // Image and snapshots are tagged at creation, never afterwards (the deploy role may not).
    expect(ec2Mock.commandCalls(CreateTagsCommand)).toEqual([]);
    expect(create.TagSpecifications?.map((spec) => spec.ResourceType)).toEqual(['image', 'snapshot']);
    expect(create.TagSpecifications?.[1]?.Tags).toEqual(create.TagSpecifications?.[0]?.Tags);
    expect(create.TagSpecifications?.[0]?.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'dealership:recipe-hash', Value: state.recipeHash },
        { Key: 'dealership:commit', Value: req.commit },
        { Key: 'Name', Value: state.imageName },
        { Key: 'team', Value: 'sales' },
      ]),
    );
    expect(terminated()).toEqual([[BUILDER]]);
  });

  it('reads the base image from SSM for resolve:ssm: and hashes the resolved id', async () => {
    givenEc2({ cached: { ImageId: 'ami-00000000000cached', State: 'available' } });
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: 'ami-0000000000000ba5e' } });
    const fromSsm = await bake({ ec2, ssm }, request({ base: { ssmParameter: '/aws/service/debian/12' } }));
    const direct = await bake({ ec2, ssm }, request());
    expect(ssmMock.commandCalls(GetParameterCommand)[0]!.args[0].input).toEqual({
      Name: '/aws/service/debian/12',
    });
    expect(fromSsm.baseImageId).toBe('ami-0000000000000ba5e');
    expect(fromSsm.recipeHash).toBe(direct.recipeHash);
  });

  it('terminates the builder and shows its console when it terminates instead of stopping', async () => {
    givenEc2({ states: ['running', 'shutting-down'] });
    await expect(bake({ ec2, ssm, clock: new FakeClock() }, request())).rejects.toThrow(
      `Builder ${BUILDER} is shutting-down instead of stopped`,
    );
    expect(ec2Mock.commandCalls(GetConsoleOutputCommand)).toHaveLength(1);
    expect(ec2Mock.commandCalls(CreateImageCommand)).toHaveLength(0);
    expect(terminated()).toEqual([[BUILDER]]);
  });

  it('terminates the builder when CreateImage fails and reports the AWS error', async () => {
    givenEc2();
    ec2Mock.on(CreateImageCommand).rejects(
      Object.assign(new Error('AMI name dealership-x is already in use'), {
        name: 'InvalidAMIName.Duplicate',
        $metadata: { httpStatusCode: 400, requestId: 'req-9' },
      }),
    );
    await expect(bake({ ec2, ssm, clock: new FakeClock() }, request())).rejects.toThrow('already in use');
    expect(terminated()).toEqual([[BUILDER]]);
  });

  it('terminates the builder when the timeout passes before it powers off', async () => {
    givenEc2({ states: ['running'] });
    const clock = new FakeClock();
    const started = clock.now();
    const state: BakeState = {};
    await expect(bake({ ec2, ssm, clock }, request({ timeoutMs: 60_000 }), state)).rejects.toThrow(
      PollTimeoutError,
    );
    expect(clock.now() - started).toBe(60_000);
    expect(state.builderInstanceId).toBe(BUILDER);
    expect(terminated()).toEqual([[BUILDER]]);
  });

  it('terminates the builder when cancelled after the image was created, and leaves the pending image for the next run', async () => {
    const controller = new AbortController();
    givenEc2({ imageStates: ['pending'] });
    ec2Mock.on(CreateImageCommand).callsFake(() => {
      controller.abort(new Error('The run was cancelled (SIGTERM)'));
      return { ImageId: NEW_IMAGE };
    });
    await expect(
      bake({ ec2, ssm, clock: new FakeClock(), signal: controller.signal }, request()),
    ).rejects.toThrow(PollAbortedError);
    expect(ec2Mock.commandCalls(DeregisterImageCommand)).toHaveLength(0);
    expect(terminated()).toEqual([[BUILDER]]);
  });

  it('deregisters an image that fails and terminates the builder', async () => {
    givenEc2({ imageStates: ['pending', 'failed'] });
    await expect(bake({ ec2, ssm, clock: new FakeClock() }, request())).rejects.toThrow(
      `Image ${NEW_IMAGE} is failed`,
    );
    expect(ec2Mock.commandCalls(DeregisterImageCommand)[0]!.args[0].input).toEqual({ ImageId: NEW_IMAGE });
    expect(terminated()).toEqual([[BUILDER]]);
  });

  it('fails a successful bake whose builder cannot be terminated, so the leak is seen', async () => {
    givenEc2();
    ec2Mock.on(TerminateInstancesCommand).rejects(new Error('UnauthorizedOperation'));
    await expect(bake({ ec2, ssm, clock: new FakeClock() }, request())).rejects.toThrow(
      'UnauthorizedOperation',
    );
  });

  it('keeps the original error when both the bake and the termination fail', async () => {
    givenEc2();
    ec2Mock.on(CreateImageCommand).rejects(new Error('CreateImage broke'));
    ec2Mock.on(TerminateInstancesCommand).rejects(new Error('UnauthorizedOperation'));
    await expect(bake({ ec2, ssm, clock: new FakeClock() }, request())).rejects.toThrow('CreateImage broke');
  });

  it('refuses a provision script over the user data limit before launching anything', async () => {
    givenEc2();
    const big = request({ workspace: workspace(`#!/bin/sh\n${'#'.repeat(17_000)}\n`) });
    const error = await bake({ ec2, ssm }, big).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(
      /^Input "provision-script" is 17011 bytes; EC2 user data takes at most 16384/,
    );
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
  });
});
