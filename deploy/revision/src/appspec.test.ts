import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AppSpecError,
  checkAppSpec,
  loadRevisionAppSpec,
  MAX_HOOK_TIMEOUT_S,
  parseAppSpec,
} from './appspec.js';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

const problemsOf = (text: string): string[] => {
  try {
    parseAppSpec(text, 'test.yml');
  } catch (error) {
    if (error instanceof AppSpecError) return error.problems;
    throw error;
  }
  throw new Error('expected the appspec to be rejected');
};

describe("the repository's appspec.yml", () => {
  it('is a valid linux appspec whose hooks exist and are executable', async () => {
    const spec = await loadRevisionAppSpec(REPO_ROOT);
    expect(spec.files).toEqual([{ source: '/', destination: '/opt/dealership/app' }]);
    expect(Object.keys(spec.hooks)).toEqual([
      'ApplicationStop',
      'BeforeInstall',
      'AfterInstall',
      'ApplicationStart',
      'ValidateService',
    ]);
  });

  it('gives every hook an explicit timeout of at most an hour', async () => {
    const { parse } = await import('yaml');
    const { readFile } = await import('node:fs/promises');
    const raw = parse(await readFile(join(REPO_ROOT, 'appspec.yml'), 'utf8')) as {
      hooks: Record<string, { location: string; timeout?: number }[]>;
    };
    for (const [event, scripts] of Object.entries(raw.hooks)) {
      for (const script of scripts) {
        expect(script.timeout, `${event} ${script.location}`).toBeGreaterThan(0);
        expect(script.timeout, `${event} ${script.location}`).toBeLessThanOrEqual(MAX_HOOK_TIMEOUT_S);
      }
    }
  });

  it('commits every hook script with its executable bit', async () => {
    const spec = parseAppSpec(
      await (await import('node:fs/promises')).readFile(join(REPO_ROOT, 'appspec.yml'), 'utf8'),
    );
    const locations = Object.values(spec.hooks).flatMap((scripts) =>
      scripts.map((script) => script.location),
    );
    const staged = execFileSync('git', ['ls-files', '--stage', '--', ...locations], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    const modes = new Map(
      staged
        .trim()
        .split('\n')
        .map((line) => [line.split('\t')[1], line.split(' ')[0]]),
    );
    for (const location of locations) expect(modes.get(location), location).toBe('100755');
  });
});

describe('parseAppSpec', () => {
  const valid = `version: 0.0
os: linux
files:
  - source: /
    destination: /opt/app
permissions:
  - object: /opt/app
    mode: 750
    type: [directory]
hooks:
  ValidateService:
    - location: check.sh
      timeout: 60
`;

  it('reads files, permissions (octal modes) and hooks', () => {
    const spec = parseAppSpec(valid);
    expect(spec.fileExistsBehavior).toBe('DISALLOW');
    expect(spec.declaredFileExistsBehavior).toBeUndefined();
    expect(spec.permissions[0]).toMatchObject({ object: '/opt/app', mode: 0o750, types: ['directory'] });
    expect(spec.hooks.ValidateService).toEqual([{ location: 'check.sh', timeoutSeconds: 60 }]);
  });

  it('names the event of an unknown hook and of one CodeDeploy reserves', () => {
    expect(problemsOf(`${valid}  AfterDeploy:\n    - location: x.sh\n`)).toEqual([
      expect.stringMatching(/^hooks\.AfterDeploy: unknown lifecycle event/),
    ]);
    expect(problemsOf(`${valid}  Install:\n    - location: x.sh\n`)).toEqual([
      expect.stringMatching(/^hooks\.Install: reserved for CodeDeploy/),
    ]);
  });

  it('rejects a timeout over an hour, naming the hook and the value', () => {
    expect(problemsOf(valid.replace('timeout: 60', 'timeout: 3601'))).toEqual([
      'hooks.ValidateService[0].timeout: expected whole seconds from 1 to 3600, got 3601',
    ]);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf('version: 1\nos: windows\nfiles: nope\nextra: 1\n');
    expect(problems).toEqual([
      'extra: unknown key (known: version, os, files, file_exists_behavior, permissions, hooks)',
      'version: must be 0.0, got 1',
      'os: must be linux, got "windows"',
      'files: expected a list, got "nope"',
    ]);
  });

  it('rejects a mode that is not octal', () => {
    expect(problemsOf(valid.replace('mode: 750', 'mode: 789'))).toEqual([
      'permissions[0].mode: expected three or four octal digits, got 789',
    ]);
  });
});

describe('checkAppSpec', () => {
  it('lists problems without throwing and keeps the hook scripts, so a caller can check them too', () => {
    const { spec, problems } = checkAppSpec(
      'version: 0.0\nos: linux\nhooks:\n  ValidateService:\n    - location: check.sh\n      timeout: 7200\n      runas: ""\n      timout: 10\n',
    );
    expect(problems).toEqual([
      'hooks.ValidateService[0].timeout: expected whole seconds from 1 to 3600, got 7200',
      'hooks.ValidateService[0].runas: expected a user name, got ""',
      'hooks.ValidateService[0]: unknown keys timout (known: location, timeout, runas)',
    ]);
    expect(spec.hooks.ValidateService).toEqual([
      { location: 'check.sh', timeoutSeconds: MAX_HOOK_TIMEOUT_S },
    ]);
  });
});

describe('loadRevisionAppSpec', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads the appspec and leaves missing or non-executable scripts to the hook runner, as the agent does', async () => {
    dir = await mkdtemp(join(tmpdir(), 'appspec-test-'));
    await writeFile(
      join(dir, 'appspec.yml'),
      'version: 0.0\nos: linux\nfile_exists_behavior: RETAIN\nhooks:\n  AfterInstall:\n    - location: bin/go.sh\n',
    );
    await mkdir(join(dir, 'bin'));
    await writeFile(join(dir, 'bin/go.sh'), '#!/bin/sh\n');
    await expect(loadRevisionAppSpec(dir)).resolves.toMatchObject({
      hooks: { AfterInstall: [{ location: 'bin/go.sh', timeoutSeconds: 3600 }] },
      declaredFileExistsBehavior: 'RETAIN',
    });
  });
});
