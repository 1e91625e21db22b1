import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file whether it runs from src/ (vitest) or dist/ (node). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SERVICE_DIR = join(REPO_ROOT, 'service');
export const REHEARSAL_DIR = join(REPO_ROOT, 'deploy', 'rehearsal');
/** The rehearsal's own compiled code; the supervisor runs from here as a separate process. */
export const REHEARSAL_DIST = join(REHEARSAL_DIR, 'dist');
