/**
 * Reading launch templates: the one place that turns the `launch-template` input (id or name) into
 * an API reference and reads versions. Used by roll-launch-template, bake-ami's retention and
 * deploy-plan.
 */
import {
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type EC2Client,
  type LaunchTemplate,
  type LaunchTemplateVersion,
  paginateDescribeLaunchTemplates,
  paginateDescribeLaunchTemplateVersions,
} from '@aws-sdk/client-ec2';
import { InputError } from './inputs.js';

export type LaunchTemplateRef = { LaunchTemplateId: string } | { LaunchTemplateName: string };

/** `lt-0123…` is an id; anything else must be a valid launch template name. */
export function launchTemplateRef(value: string, input = 'launch-template'): LaunchTemplateRef {
  if (/^lt-[0-9a-f]{8,17}$/.test(value)) return { LaunchTemplateId: value };
  if (/^[a-zA-Z0-9().\-/_]{3,128}$/.test(value)) return { LaunchTemplateName: value };
  throw new InputError(
    input,
    value,
    'must be a launch template id (lt-…) or name (3–128 of a-z A-Z 0-9 ( ) . - / _)',
  );
}

/** `$Default`, `$Latest` or a version number. */
export function readVersionSpec(value: string, input: string): string {
  if (value === '$Default' || value === '$Latest' || /^[1-9]\d*$/.test(value)) return value;
  throw new InputError(input, value, 'must be $Default, $Latest or a version number');
}

/** One version (`$Default`, `$Latest` or a number) with its full LaunchTemplateData. */
export async function describeLaunchTemplateVersion(
  ec2: EC2Client,
  ref: LaunchTemplateRef,
  version: string,
): Promise<LaunchTemplateVersion> {
  const result = await ec2.send(new DescribeLaunchTemplateVersionsCommand({ ...ref, Versions: [version] }));
  const found = result.LaunchTemplateVersions?.[0];
  if (!found) throw new Error(`Launch template ${refText(ref)} has no version ${version}`);
  return found;
}

/** The template itself: id, name, default and latest version numbers. */
export async function describeLaunchTemplate(
  ec2: EC2Client,
  ref: LaunchTemplateRef,
): Promise<LaunchTemplate> {
  const result = await ec2.send(
    new DescribeLaunchTemplatesCommand(
      'LaunchTemplateId' in ref
        ? { LaunchTemplateIds: [ref.LaunchTemplateId] }
        : { LaunchTemplateNames: [ref.LaunchTemplateName] },
    ),
  );
  const found = result.LaunchTemplates?.[0];
  if (!found) throw new Error(`Launch template ${refText(ref)} was not found`);
  return found;
}

/** Every version of one template, oldest first. */
export async function listLaunchTemplateVersions(
  ec2: EC2Client,
  ref: LaunchTemplateRef,
): Promise<LaunchTemplateVersion[]> {
  const versions: LaunchTemplateVersion[] = [];
  for await (const page of paginateDescribeLaunchTemplateVersions(
    { client: ec2 },
    { ...ref, MaxResults: 200 },
  )) {
    versions.push(...(page.LaunchTemplateVersions ?? []));
  }
  return versions.sort((a, b) => (a.VersionNumber ?? 0) - (b.VersionNumber ?? 0));
}

/** Every image id that any version of any launch template in the region names. */
export async function imageIdsNamedByLaunchTemplates(ec2: EC2Client): Promise<Set<string>> {
  const named = new Set<string>();
  for await (const page of paginateDescribeLaunchTemplates({ client: ec2 }, { MaxResults: 200 })) {
    for (const template of page.LaunchTemplates ?? []) {
      if (!template.LaunchTemplateId) continue;
      for (const version of await listLaunchTemplateVersions(ec2, {
        LaunchTemplateId: template.LaunchTemplateId,
      })) {
        const imageId = version.LaunchTemplateData?.ImageId;
        if (imageId) named.add(imageId);
      }
    }
  }
  return named;
}

export function refText(ref: LaunchTemplateRef): string {
  return 'LaunchTemplateId' in ref ? ref.LaunchTemplateId : `"${ref.LaunchTemplateName}"`;
}
