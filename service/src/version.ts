import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SERVICE_DIR } from './config.js';

export interface VersionInfo {
  version: string;
  commit: string;
  startedAt: string;
}

function firstLine(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').split('\n')[0]?.trim() || undefined;
  } catch {
    return undefined;
  }
}

function gitHead(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: SERVICE_DIR,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}

/**
 * The commit being served: DEALERSHIP_COMMIT, else the REVISION file at the bundle root (the parent of
 * the service folder), else `git rev-parse HEAD`, else "unknown".
 */
export function resolveCommit(fromEnv: string | undefined): string {
  return fromEnv ?? firstLine(resolve(SERVICE_DIR, '..', 'REVISION')) ?? gitHead() ?? 'unknown';
}

export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(resolve(SERVICE_DIR, 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

export function versionInfo(commitFromEnv: string | undefined, startedAt: Date): VersionInfo {
  return {
    version: packageVersion(),
    commit: resolveCommit(commitFromEnv),
    startedAt: startedAt.toISOString(),
  };
}
