import {
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  type LaunchTemplateVersion,
  ModifyLaunchTemplateCommand,
  type ResponseLaunchTemplateData,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { rollLaunchTemplate } from './roll.js';

const ec2Mock = mockClient(EC2Client);
const ec2 = new EC2Client({ region: 'eu-west-1' });
const template = { LaunchTemplateId: 'lt-0123456789abcdef0' };

const data = (imageId: string): ResponseLaunchTemplateData => ({
  ImageId: imageId,
  InstanceType: 't3.small',
  IamInstanceProfile: { Name: 'dealership' },
  SecurityGroupIds: ['sg-1'],
  UserData: 'IyEvYmluL3NoCg==',
  MetadataOptions: { HttpTokens: 'required' },
});

const version = (number: number, imageId: string, extra: object = {}): LaunchTemplateVersion => ({
  LaunchTemplateId: template.LaunchTemplateId,
  LaunchTemplateName: 'dealership',
  VersionNumber: number,
  LaunchTemplateData: { ...data(imageId), ...extra },
});

/** The template with versions 1..n; `defaultVersion` is what $Default resolves to. */
function givenTemplate(versions: LaunchTemplateVersion[], defaultVersion: number) {
  const byNumber = new Map(versions.map((v) => [String(v.VersionNumber), v]));
  byNumber.set('$Default', byNumber.get(String(defaultVersion))!);
  byNumber.set('$Latest', versions.at(-1)!);
  ec2Mock.on(DescribeLaunchTemplateVersionsCommand).callsFake((input) => {
    if (!input.Versions) return { LaunchTemplateVersions: versions };
    return { LaunchTemplateVersions: input.Versions.map((v: string) => byNumber.get(v)).filter(Boolean) };
  });
  ec2Mock.on(DescribeLaunchTemplatesCommand).resolves({
    LaunchTemplates: [
      {
        ...template,
        LaunchTemplateName: 'dealership',
        DefaultVersionNumber: defaultVersion,
        LatestVersionNumber: versions.length,
      },
    ],
  });
}

beforeEach(() => {
  ec2Mock.reset();
});

describe('rollLaunchTemplate', () => {
  it('creates a version with the full source data and the new image, then makes it the default', async () => {
    givenTemplate([version(1, 'ami-00000000000000001'), version(2, 'ami-00000000000000002')], 2);
    ec2Mock.on(CreateLaunchTemplateVersionCommand).resolves({ LaunchTemplateVersion: { VersionNumber: 3 } });

    const result = await rollLaunchTemplate(ec2, {
      template,
      imageId: 'ami-00000000000000003',
      sourceVersion: '$Default',
      setDefault: true,
      description: 'ami-3 from abc',
    });

    expect(result).toMatchObject({
      version: 3,
      previousVersion: 2,
      created: true,
      defaultVersion: 3,
      sourceVersion: 2,
    });
    const create = ec2Mock.commandCalls(CreateLaunchTemplateVersionCommand)[0]!.args[0].input;
    expect(create.LaunchTemplateData).toEqual(data('ami-00000000000000003'));
    expect(create.SourceVersion).toBeUndefined();
    expect(create.VersionDescription).toBe('ami-3 from abc');
    expect(create.ClientToken).toMatch(/^[0-9a-f]{64}$/);
    expect(ec2Mock.commandCalls(ModifyLaunchTemplateCommand)[0]!.args[0].input).toEqual({
      ...template,
      DefaultVersion: '3',
    });
  });

  it('reuses a $Latest made from the same source when the default was not moved', async () => {
    givenTemplate([version(1, 'ami-00000000000000001'), version(2, 'ami-00000000000000002')], 1);

    const result = await rollLaunchTemplate(ec2, {
      template,
      imageId: 'ami-00000000000000002',
      sourceVersion: '$Default',
      setDefault: false,
    });

    expect(result).toMatchObject({ version: 2, previousVersion: 1, created: false, defaultVersion: 1 });
    expect(ec2Mock.commandCalls(CreateLaunchTemplateVersionCommand)).toHaveLength(0);
  });

  it('creates a new version when $Latest has the image but other data differs from the source', async () => {
    givenTemplate(
      [
        version(1, 'ami-00000000000000001'),
        version(2, 'ami-00000000000000002', { InstanceType: 't3.large' }),
      ],
      1,
    );
    ec2Mock.on(CreateLaunchTemplateVersionCommand).resolves({ LaunchTemplateVersion: { VersionNumber: 3 } });

    const result = await rollLaunchTemplate(ec2, {
      template,
      imageId: 'ami-00000000000000002',
      sourceVersion: '$Default',
      setDefault: false,
    });

    expect(result).toMatchObject({ version: 3, created: true, defaultVersion: 1, previousVersion: 1 });
    expect(ec2Mock.commandCalls(ModifyLaunchTemplateCommand)).toHaveLength(0);
  });

  it('sets the default on a re-run whose earlier attempt created the version but did not set it', async () => {
    givenTemplate([version(1, 'ami-00000000000000001'), version(2, 'ami-00000000000000002')], 1);

    const result = await rollLaunchTemplate(ec2, {
      template,
      imageId: 'ami-00000000000000002',
      sourceVersion: '$Default',
      setDefault: true,
    });

    expect(result).toMatchObject({ version: 2, created: false, defaultVersion: 2, previousVersion: 1 });
    expect(ec2Mock.commandCalls(ModifyLaunchTemplateCommand)[0]!.args[0].input.DefaultVersion).toBe('2');
  });

  it('copies an explicit source version rather than the default', async () => {
    givenTemplate(
      [
        version(1, 'ami-00000000000000001', { InstanceType: 'm5.large' }),
        version(2, 'ami-00000000000000002'),
      ],
      2,
    );
    ec2Mock.on(CreateLaunchTemplateVersionCommand).resolves({ LaunchTemplateVersion: { VersionNumber: 3 } });

    const result = await rollLaunchTemplate(ec2, {
      template,
      imageId: 'ami-00000000000000009',
      sourceVersion: '1',
      setDefault: true,
    });

    expect(result.sourceVersion).toBe(1);
    const create = ec2Mock.commandCalls(CreateLaunchTemplateVersionCommand)[0]!.args[0].input;
    expect(create.LaunchTemplateData?.InstanceType).toBe('m5.large');
  });

  it('fails with the template and version when the source version does not exist', async () => {
    givenTemplate([version(1, 'ami-00000000000000001')], 1);
    await expect(
      rollLaunchTemplate(ec2, {
        template,
        imageId: 'ami-00000000000000002',
        sourceVersion: '7',
        setDefault: true,
      }),
    ).rejects.toThrow('Launch template lt-0123456789abcdef0 has no version 7');
    expect(ec2Mock.commandCalls(CreateLaunchTemplateVersionCommand)).toHaveLength(0);
  });
});
