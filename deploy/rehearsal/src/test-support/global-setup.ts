import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureServiceAccount } from '../accounts.js';
import { buildBundle } from '../bundle/build.js';

export interface TestRevision {
  file: string;
  commit: string;
  sha256: string;
}

export interface TestRevisions {
  dir: string;
  /** Two revisions of this tree, labelled as two commits, carrying the sqlite3 driver (for SQLite rehearsals). */
  one: TestRevision;
  two: TestRevision;
  /** The same two as production ships them: MySQL only, no sqlite3. */
  production: { one: TestRevision; two: TestRevision };
}

declare module 'vitest' {
  export interface ProvidedContext {
    revisions: TestRevisions;
  }
}

/**
 * Creates the service account (as deploy/image/provision.sh does; the tests run as root, like the agent)
 * and bundles the real service as two revisions that every test file deploys, each both with the sqlite3
 * driver (the SQLite rehearsals) and as production ships it.
 */
export default async function setup(project: TestProject) {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'the revision and rehearsal tests run as root, as the CodeDeploy agent does: they mount namespaces, ' +
        'apply appspec.yml owners and run the service as its User= (CI runs as root; locally: sudo npm test)',
    );
  }
  await ensureServiceAccount();
  const dir = await mkdtemp(join(tmpdir(), 'rehearsal-revisions-'));
  const bundle = async (commit: string, sqlite3: boolean): Promise<TestRevision> => {
    const outFile = join(dir, sqlite3 ? `${commit}-sqlite3.zip` : `${commit}.zip`);
    const built = await buildBundle({ commit, outFile, sqlite3 });
    return { file: built.file, commit, sha256: built.sha256 };
  };
  project.provide('revisions', {
    dir,
    one: await bundle('rev-one', true),
    two: await bundle('rev-two', true),
    production: { one: await bundle('rev-one', false), two: await bundle('rev-two', false) },
  });
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
