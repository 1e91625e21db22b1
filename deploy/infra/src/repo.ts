import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** The repository root (deploy/infra/src → ../../..). */
export const repoRoot = resolve(import.meta.dirname, '..', '..', '..');

export const workflowsDir = join(repoRoot, '.github', 'workflows');
export const templatePath = join(repoRoot, 'deploy', 'infra', 'template.yml');
export const actionsDir = join(repoRoot, 'actions');

/** Every file under `dir` (recursively) whose repository-relative path passes `keep`. */
export function listFiles(dir: string, keep: (repoPath: string) => boolean): string[] {
  const found: string[] = [];
  const walk = (current: string): void => {
    for (const name of readdirSync(current)) {
      if (name === 'node_modules' || name === 'dist') continue;
      const path = join(current, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (keep(repoPath(path))) found.push(path);
    }
  };
  walk(dir);
  return found.sort();
}

/** A path relative to the repository root, with forward slashes. */
export function repoPath(path: string): string {
  return relative(repoRoot, path).split('\\').join('/');
}
