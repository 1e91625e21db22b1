import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  type Image,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyRetention, imageName } from './retention.js';

const ec2Mock = mockClient(EC2Client);
const ec2 = new EC2Client({ region: 'eu-west-1' });

/** An image baked `day` days into November, named the way bake-ami names them. */
const baked = (id: string, day: number, extra: Partial<Image> = {}): Image => ({
  ImageId: id,
  Name: imageName('dealership', 'ab'.repeat(32), new Date(Date.UTC(2026, 10, day))),
  CreationDate: new Date(Date.UTC(2026, 10, day)).toISOString(),
  State: 'available',
  BlockDeviceMappings: [{ Ebs: { SnapshotId: `snap-${id.slice(4)}` } }],
  ...extra,
});

function givenImages(images: Image[], namedByTemplates: string[] = []) {
  ec2Mock.on(DescribeImagesCommand).resolves({ Images: images });
  ec2Mock
    .on(DescribeLaunchTemplatesCommand)
    .resolves({ LaunchTemplates: [{ LaunchTemplateId: 'lt-0123456789abcdef0' }] });
  ec2Mock.on(DescribeLaunchTemplateVersionsCommand).resolves({
    LaunchTemplateVersions: namedByTemplates.map((imageId, index) => ({
      VersionNumber: index + 1,
      LaunchTemplateData: { ImageId: imageId },
    })),
  });
  ec2Mock.on(DeregisterImageCommand).resolves({});
  ec2Mock.on(DeleteSnapshotCommand).resolves({});
}

const deregistered = () =>
  ec2Mock.commandCalls(DeregisterImageCommand).map((call) => call.args[0].input.ImageId);
const deletedSnapshots = () =>
  ec2Mock.commandCalls(DeleteSnapshotCommand).map((call) => call.args[0].input.SnapshotId);

beforeEach(() => ec2Mock.reset());

describe('applyRetention', () => {
  it('keeps the newest images and deregisters older ones with their snapshots', async () => {
    givenImages([baked('ami-1', 1), baked('ami-4', 4), baked('ami-3', 3), baked('ami-2', 2)]);
    const result = await applyRetention(ec2, {
      namePrefix: 'dealership',
      keep: 2,
      bakedImageId: 'ami-4',
      warn: () => {},
    });
    expect(result.deregistered).toEqual(['ami-2', 'ami-1']);
    expect(deregistered()).toEqual(['ami-2', 'ami-1']);
    expect(deletedSnapshots()).toEqual(['snap-2', 'snap-1']);
  });

  it('never deregisters the image just baked or reused, even when it is older than the ones kept', async () => {
    givenImages([baked('ami-1', 1), baked('ami-2', 2), baked('ami-3', 3)]);
    await applyRetention(ec2, { namePrefix: 'dealership', keep: 1, bakedImageId: 'ami-1', warn: () => {} });
    expect(deregistered()).toEqual(['ami-2']);
  });

  it('leaves pending images and images of other prefixes alone', async () => {
    givenImages([
      baked('ami-1', 1),
      baked('ami-2', 2, { State: 'pending' }),
      baked('ami-3', 3, { Name: 'dealership-staging-20261103T000000Z-abababababab' }),
      baked('ami-4', 4),
    ]);
    await applyRetention(ec2, { namePrefix: 'dealership', keep: 1, bakedImageId: 'ami-4', warn: () => {} });
    expect(deregistered()).toEqual(['ami-1']);
  });

  it('reads no launch templates when nothing is beyond the images kept', async () => {
    givenImages([baked('ami-1', 1), baked('ami-2', 2)]);
    await applyRetention(ec2, { namePrefix: 'dealership', keep: 5, bakedImageId: 'ami-2', warn: () => {} });
    expect(ec2Mock.commandCalls(DescribeLaunchTemplatesCommand)).toHaveLength(0);
    expect(deregistered()).toEqual([]);
  });

  it('warns but goes on when a snapshot cannot be deleted', async () => {
    givenImages([baked('ami-1', 1), baked('ami-2', 2)]);
    ec2Mock.on(DeleteSnapshotCommand).rejects(new Error('snapshot is in use by ami-9'));
    const warnings: string[] = [];
    const result = await applyRetention(ec2, {
      namePrefix: 'dealership',
      keep: 1,
      bakedImageId: 'ami-2',
      warn: (message) => warnings.push(message),
    });
    expect(result.deregistered).toEqual(['ami-1']);
    expect(warnings).toEqual([
      'Deregistered ami-1 but could not delete its snapshot snap-1: snapshot is in use by ami-9',
    ]);
  });

  it('asks EC2 only for this account’s images of the prefix that carry a recipe hash', async () => {
    givenImages([]);
    await applyRetention(ec2, { namePrefix: 'dealership', keep: 1, bakedImageId: 'ami-1', warn: () => {} });
    expect(ec2Mock.commandCalls(DescribeImagesCommand)[0]!.args[0].input).toEqual({
      Owners: ['self'],
      Filters: [
        { Name: 'name', Values: ['dealership-*'] },
        { Name: 'tag-key', Values: ['dealership:recipe-hash'] },
      ],
    });
  });
});
