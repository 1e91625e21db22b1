import { REPO_ROOT } from './paths.js';
import { runChecked } from './process.js';

/** The bundle and rehearsal tests package the real service: compile it once for all of them. */
export default async function buildService(): Promise<void> {
  await runChecked('npm', ['run', 'build', '-w', 'service'], { cwd: REPO_ROOT });
}
