/**
 * Rolls a launch template to a new image: a new version with the source version's full data and the
 * new ImageId (the data is copied, not inherited through SourceVersion, so nothing depends on how an
 * endpoint treats SourceVersion), optionally made the default. Re-running with the same image
 * creates nothing.
 */
import { createHash } from 'node:crypto';
import {
  CreateLaunchTemplateVersionCommand,
  type EC2Client,
  type LaunchTemplateVersion,
  ModifyLaunchTemplateCommand,
  type RequestLaunchTemplateData,
  type ResponseLaunchTemplateData,
} from '@aws-sdk/client-ec2';
import {
  describeLaunchTemplate,
  describeLaunchTemplateVersion,
  type LaunchTemplateRef,
  listLaunchTemplateVersions,
} from '../../lib/index.js';

export interface RollRequest {
  template: LaunchTemplateRef;
  imageId: string;
  /** `$Default`, `$Latest` or a version number. */
  sourceVersion: string;
  setDefault: boolean;
  description?: string;
}

export interface RollResult {
  templateId: string;
  templateName: string;
  /** The version that carries the image (new, or the one that already did). */
  version: number;
  /** The version a rollback returns to: the default before this run, else the newest older version with another image. */
  previousVersion: number | undefined;
  created: boolean;
  /** The template's default version after this run. */
  defaultVersion: number;
  sourceVersion: number;
  sourceImageId: string | undefined;
}

/**
 * The request shape of a version's data. The response carries a few read-only fields the request
 * does not accept; they are dropped here.
 */
export function toRequestData(data: ResponseLaunchTemplateData | undefined): RequestLaunchTemplateData {
  const { Operator, ...rest } = data ?? {};
  return rest as RequestLaunchTemplateData;
}

/** Same data apart from the image? Compared on canonical JSON (sorted keys). */
function sameApartFromImage(
  a: ResponseLaunchTemplateData | undefined,
  b: ResponseLaunchTemplateData | undefined,
) {
  return canonical({ ...a, ImageId: undefined }) === canonical({ ...b, ImageId: undefined });
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([x], [y]) => x.localeCompare(y)))
      : inner,
  );
}

/** Which existing version already is the roll: the source itself, or a $Latest made from it earlier. */
async function existingRoll(ec2: EC2Client, request: RollRequest, source: LaunchTemplateVersion) {
  if (source.LaunchTemplateData?.ImageId === request.imageId) return source;
  const latest = await describeLaunchTemplateVersion(ec2, request.template, '$Latest');
  const isRoll =
    latest.LaunchTemplateData?.ImageId === request.imageId &&
    sameApartFromImage(latest.LaunchTemplateData, source.LaunchTemplateData);
  return isRoll ? latest : undefined;
}

export async function rollLaunchTemplate(ec2: EC2Client, request: RollRequest): Promise<RollResult> {
  const source = await describeLaunchTemplateVersion(ec2, request.template, request.sourceVersion);
  const templateId = source.LaunchTemplateId!;
  const byId = { LaunchTemplateId: templateId };
  const before = await describeLaunchTemplate(ec2, byId);
  const defaultBefore = before.DefaultVersionNumber!;

  let version = (await existingRoll(ec2, request, source))?.VersionNumber;
  const created = version === undefined;
  if (version === undefined) {
    const result = await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        ...byId,
        LaunchTemplateData: { ...toRequestData(source.LaunchTemplateData), ImageId: request.imageId },
        VersionDescription: request.description || undefined,
        // A retried request (network timeout) must not create a second version.
        ClientToken: createHash('sha256')
          .update(`${templateId}:${source.VersionNumber}:${request.imageId}`)
          .digest('hex')
          .slice(0, 64),
      }),
    );
    version = result.LaunchTemplateVersion?.VersionNumber;
    if (version === undefined)
      throw new Error(`CreateLaunchTemplateVersion on ${templateId} returned no version`);
  }

  let defaultVersion = defaultBefore;
  if (request.setDefault && defaultBefore !== version) {
    await ec2.send(new ModifyLaunchTemplateCommand({ ...byId, DefaultVersion: String(version) }));
    defaultVersion = version;
  }

  return {
    templateId,
    templateName: before.LaunchTemplateName ?? '',
    version,
    previousVersion: await previousVersion(ec2, templateId, version, request.imageId, defaultBefore),
    created,
    defaultVersion,
    sourceVersion: source.VersionNumber!,
    sourceImageId: source.LaunchTemplateData?.ImageId,
  };
}

/**
 * The version a rollback goes back to: the default before this run when that is another version,
 * otherwise (a re-run after the roll was already made default) the newest older version whose image
 * differs.
 */
async function previousVersion(
  ec2: EC2Client,
  templateId: string,
  version: number,
  imageId: string,
  defaultBefore: number,
): Promise<number | undefined> {
  if (defaultBefore !== version) return defaultBefore;
  const older = (await listLaunchTemplateVersions(ec2, { LaunchTemplateId: templateId })).filter(
    (candidate) =>
      (candidate.VersionNumber ?? 0) < version && candidate.LaunchTemplateData?.ImageId !== imageId,
  );
  return older.at(-1)?.VersionNumber;
}
