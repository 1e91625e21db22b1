import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppSpecError, validateAppSpec } from './appspec.js';

const files = new Map([
  ['appspec.yml', { executable: false }],
  ['hooks/stop.sh', { executable: true }],
  ['hooks/validate.sh', { executable: true }],
  ['hooks/readme.txt', { executable: false }],
  ['service/dist/main.js', { executable: false }],
]);

const spec = (hooks: string, head = 'version: 0.0\nos: linux\n') => `${head}hooks:\n${hooks}`;

function problems(text: string): string[] {
  try {
    validateAppSpec(text, files);
  } catch (error) {
    if (error instanceof AppSpecError) return error.problems;
    throw error;
  }
  return [];
}

describe('appspec validation', () => {
  it('accepts a valid appspec and returns its hook scripts in order', () => {
    const hooks = validateAppSpec(
      spec(
        '  ApplicationStop:\n    - location: hooks/stop.sh\n      timeout: 60\n  ValidateService:\n    - location: /hooks/validate.sh\n      timeout: 3600\n      runas: root\n',
        'version: 0.0\nos: linux\nfiles:\n  - source: service\n    destination: /opt/dealership/service\n',
      ),
      files,
    );
    expect(hooks).toEqual([
      { hook: 'ApplicationStop', location: 'hooks/stop.sh', timeout: 60, runas: undefined },
      { hook: 'ValidateService', location: 'hooks/validate.sh', timeout: 3600, runas: 'root' },
    ]);
  });

  it('reports every problem at once, each naming the hook and the value', () => {
    expect(
      problems(
        spec(
          '  ValidateService:\n    - location: hooks/missing.sh\n      timeout: 7200\n  AfterInstal:\n    - location: hooks/stop.sh\n  AllowTraffic:\n    - location: hooks/stop.sh\n  BeforeInstall:\n    - location: hooks/readme.txt\n      timeout: 1.5\n',
        ),
      ),
    ).toEqual([
      'hooks.ValidateService[0].timeout: expected whole seconds from 1 to 3600, got 7200',
      'hooks.AfterInstal: unknown lifecycle event (scriptable: BeforeBlockTraffic, AfterBlockTraffic, ApplicationStop, BeforeInstall, AfterInstall, ApplicationStart, ValidateService, BeforeAllowTraffic, AfterAllowTraffic)',
      'hooks.AllowTraffic: reserved for CodeDeploy lifecycle event (scriptable: BeforeBlockTraffic, AfterBlockTraffic, ApplicationStop, BeforeInstall, AfterInstall, ApplicationStart, ValidateService, BeforeAllowTraffic, AfterAllowTraffic)',
      'hooks.BeforeInstall[0].timeout: expected whole seconds from 1 to 3600, got 1.5',
      'hooks.ValidateService[0].location: "hooks/missing.sh" is not in the bundle',
      'hooks.BeforeInstall[0].location: "hooks/readme.txt" is not executable (chmod +x it)',
    ]);
  });

  it('names the file in the error message', () => {
    expect(() => validateAppSpec('version: 0.0\nos: linux\nhooks:\n  Install: []\n', files)).toThrow(
      `appspec.yml is not a valid appspec:\n  - hooks.Install: reserved for CodeDeploy lifecycle event (scriptable: BeforeBlockTraffic, AfterBlockTraffic, ApplicationStop, BeforeInstall, AfterInstall, ApplicationStart, ValidateService, BeforeAllowTraffic, AfterAllowTraffic)`,
    );
  });

  it.each([
    ['version: 1.0\nos: linux\n', 'version: must be 0.0, got 1'],
    ['version: 0.0\nos: macos\n', 'os: must be linux, got "macos"'],
    [
      'version: 0.0\nos: linux\nfiles:\n  - source: web\n    destination: /srv\n',
      'files[0].source: "web" is not in the bundle',
    ],
    ['- just\n- a list\n', 'expected a mapping, got ["just","a list"]'],
    [
      'version: 0.0\nos: linux\nhooks:\n  ValidateService:\n    - timeout: 10\n',
      'hooks.ValidateService[0].location: expected a script path, got undefined',
    ],
    [
      'version: 0.0\nos: linux\nhooks:\n  ValidateService:\n    - location: hooks/validate.sh\n      runas: ""\n      timout: 10\n',
      'hooks.ValidateService[0].runas: expected a user name, got ""',
    ],
    [
      'version: 0.0\nos: linux\nhooks:\n  ValidateService:\n    - location: hooks/validate.sh\n      timout: 10\n',
      'hooks.ValidateService[0]: unknown keys timout (known: location, timeout, runas)',
    ],
  ])('refuses %j', (text, problem) => {
    expect(problems(text)).toContain(problem);
  });

  it('refuses YAML that does not parse, with the parser’s reason', () => {
    expect(
      problems('version: 0.0\nos: linux\nhooks:\n  ValidateService:\n  - location: [unclosed\n')[0],
    ).toMatch(/^not YAML: /);
  });
});

describe('the repository’s own appspec.yml', () => {
  it('passes validation against the files git tracks, with their execute bits', () => {
    const root = execFileSync('git', ['rev-parse', '--show-toplevel']).toString().trim();
    const tracked = new Map<string, { executable: boolean }>();
    for (const line of execFileSync('git', ['ls-files', '-s'], { cwd: root }).toString().split('\n')) {
      const match = /^(\d{6}) \S+ \d\t(.+)$/.exec(line);
      if (match) tracked.set(match[2]!, { executable: match[1] === '100755' });
    }
    const hooks = validateAppSpec(readFileSync(join(root, 'appspec.yml'), 'utf8'), tracked);
    expect(hooks.map((h) => h.hook)).toContain('ValidateService');
  });
});
