/**
 * Reports other jobs wrote for the pull request (the upgrade rehearsal's `upgrade.md`), appended to the
 * plan so that one sticky comment carries them. A report that is not there is said in the plan, with
 * its path: the job that writes it stopped before writing (its log says why), and the reader must not
 * take the silence for a pass.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';

export async function readReports(paths: readonly string[], workspace: string): Promise<string[]> {
  return Promise.all(
    paths.map(async (path) => {
      const file = isAbsolute(path) ? path : join(workspace, path);
      try {
        return (await readFile(file, 'utf8')).trim();
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT') throw error;
        return `> **Report missing:** \`${path}\` was not written — the job that writes it stopped before the end (see its log).`;
      }
    }),
  );
}

/** The plan, then each report under a rule. */
export function withReports(plan: string, reports: readonly string[]): string {
  return [plan.trimEnd(), ...reports.map((report) => `---\n\n${report}`)].join('\n\n').concat('\n');
}
