import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureServiceAccount } from '../accounts.js';
import { buildBundle } from '../bundle/build.js';
import { REPO_ROOT } from '../paths.js';
import { runChecked } from '../process.js';

export interface TestRevisions {
  dir: string;
  /** Two revisions of this tree, labelled as two commits. */
  one: { file: string; commit: string; sha256: string };
  two: { file: string; commit: string; sha256: string };
}

declare module 'vitest' {
  export interface ProvidedContext {
    revisions: TestRevisions;
  }
}

/**
 * Creates the service account (as deploy/image/provision.sh does; the tests run as root, like the agent),
 * compiles the real service once and bundles it as two revisions that every test file deploys.
 */
export default async function setup(project: TestProject) {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'the revision and rehearsal tests run as root, as the CodeDeploy agent does: they mount namespaces, ' +
        'apply appspec.yml owners and run the service as its User= (CI runs as root; locally: sudo npm test)',
    );
  }
  await ensureServiceAccount();
  await runChecked('npm', ['run', 'build', '-w', 'service'], { cwd: REPO_ROOT });
  const dir = await mkdtemp(join(tmpdir(), 'rehearsal-revisions-'));
  const bundle = async (commit: string) => {
    const built = await buildBundle({ commit, outFile: join(dir, `${commit}.zip`) });
    return { file: built.file, commit, sha256: built.sha256 };
  };
  project.provide('revisions', { dir, one: await bundle('rev-one'), two: await bundle('rev-two') });
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
