import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../rehearsal/src/paths.js';
import { run } from '../rehearsal/src/process.js';

const HOOKS_DIR = join(REPO_ROOT, 'deploy/hooks');
const scripts = [
  ...(await readdir(HOOKS_DIR)).filter((name) => name.endsWith('.sh')).map((name) => join(HOOKS_DIR, name)),
  join(REPO_ROOT, 'deploy/image/provision.sh'),
];

describe('the shell scripts of the revision and the image', () => {
  it.each(scripts)('%s passes shellcheck', async (script) => {
    // A missing shellcheck is a failure (spawn ENOENT), never a pass.
    const result = await run('shellcheck', ['--external-sources', '--severity=style', script], {
      cwd: HOOKS_DIR,
    });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.code).toBe(0);
  });

  it.each(scripts.filter((script) => !script.endsWith('lib.sh')))(
    '%s stops at the first error',
    async (script) => {
      expect(await readFile(script, 'utf8')).toMatch(/^#!\/usr\/bin\/env bash\n(#.*\n)*set -euo pipefail\n/);
    },
  );
});
