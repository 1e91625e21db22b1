/**
 * Commit order from the repository's own history (`git merge-base --is-ancestor`, which exits 0 when
 * the first commit is an ancestor of the second, 1 when not, and 128 for a commit it does not know —
 * git-merge-base(1)). The deploy job checks out the whole history (`fetch-depth: 0`) for it.
 */
import { spawn } from 'node:child_process';
import type { Ancestry } from './release.js';

export function gitAncestry(cwd: string): Ancestry {
  return {
    isAncestor: (older, newer) =>
      new Promise((resolve, reject) => {
        const child = spawn('git', ['merge-base', '--is-ancestor', older, newer], { cwd, stdio: 'ignore' });
        child.once('error', reject);
        child.once('close', (code) => resolve(code === 0 ? true : code === 1 ? false : undefined));
      }),
  };
}
