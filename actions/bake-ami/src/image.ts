/** The image made from the stopped builder: create, wait until available, tag, and deregister. */
import {
  CreateImageCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  type EC2Client,
  type Image,
} from '@aws-sdk/client-ec2';
import {
  awsErrorCode,
  describeError,
  done,
  pending,
  poll,
  toAwsTags,
  type WaitOptions,
} from '../../lib/index.js';

export async function createImage(
  ec2: EC2Client,
  request: { instanceId: string; name: string; description: string; tags: Record<string, string> },
): Promise<string> {
  const result = await ec2.send(
    new CreateImageCommand({
      InstanceId: request.instanceId,
      Name: request.name,
      Description: request.description,
      // Image and snapshots carry their tags from the start (a pending image is found by the cache and
      // by retention): "To tag the snapshots that are created of the root volume and of other Amazon
      // EBS volumes that are attached to the instance, the value for ResourceType must be snapshot"
      // (EC2 API Reference, CreateImage). Tagging at creation is the only tagging the deploy role may
      // do (ec2:CreateAction), so it cannot tag, and then delete, an image it did not make.
      TagSpecifications: [
        { ResourceType: 'image', Tags: toAwsTags(request.tags) },
        { ResourceType: 'snapshot', Tags: toAwsTags(request.tags) },
      ],
    }),
  );
  if (!result.ImageId) throw new Error(`CreateImage from ${request.instanceId} returned no image id`);
  return result.ImageId;
}

export async function describeImage(ec2: EC2Client, imageId: string): Promise<Image | undefined> {
  try {
    const result = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
    return result.Images?.[0];
  } catch (error) {
    if (awsErrorCode(error) === 'InvalidAMIID.NotFound') return undefined;
    throw error;
  }
}

/** Waits until the image is `available`; `failed` (or any other end state) is an error with its reason. */
export function waitForImageAvailable(ec2: EC2Client, imageId: string, options: WaitOptions): Promise<Image> {
  return poll({
    what: `image ${imageId} to become available`,
    ...options,
    check: async () => {
      const image = await describeImage(ec2, imageId);
      const state = image?.State ?? 'not visible yet';
      if (image && state === 'available') return done(image);
      if (state === 'pending' || state === 'not visible yet') return pending(state);
      throw new Error(`Image ${imageId} is ${state} (${image?.StateReason?.Message ?? 'no reason given'})`);
    },
  });
}

export function snapshotIds(image: Image): string[] {
  return (image.BlockDeviceMappings ?? []).flatMap((mapping) =>
    mapping.Ebs?.SnapshotId ? [mapping.Ebs.SnapshotId] : [],
  );
}

/**
 * Deregisters the image, then deletes its snapshots. A snapshot that cannot be deleted (another
 * image uses it) is reported, not fatal: the image is gone either way.
 */
export async function deregisterImageAndSnapshots(
  ec2: EC2Client,
  image: Image,
  warn: (message: string) => void,
): Promise<void> {
  await ec2.send(new DeregisterImageCommand({ ImageId: image.ImageId! }));
  for (const snapshotId of snapshotIds(image)) {
    try {
      await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
    } catch (error) {
      warn(
        `Deregistered ${image.ImageId} but could not delete its snapshot ${snapshotId}: ${describeError(error)}`,
      );
    }
  }
}
