/**
 * Checks appspec.yml before anything is uploaded, so a typo fails the step in seconds instead of a
 * deployment on the first instance. Every problem is reported at once, each naming the file, the
 * place (hook) and the value.
 */
import { parseDocument } from 'yaml';

/** Hooks an EC2/on-premises appspec may give scripts to, in the order CodeDeploy runs them. */
export const SCRIPT_HOOKS = [
  'BeforeBlockTraffic',
  'AfterBlockTraffic',
  'ApplicationStop',
  'BeforeInstall',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeAllowTraffic',
  'AfterAllowTraffic',
] as const;

/** Lifecycle events CodeDeploy runs itself: a script may not hook them. */
export const RESERVED_HOOKS = [
  'Start',
  'BlockTraffic',
  'DownloadBundle',
  'Install',
  'AllowTraffic',
  'End',
] as const;

export const MAX_HOOK_TIMEOUT_SECONDS = 3600;

export class AppSpecError extends Error {
  override name = 'AppSpecError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file} is not a valid CodeDeploy appspec:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface AppSpecHook {
  hook: string;
  location: string;
  timeout?: number;
  runas?: string;
}

export interface BundleFiles {
  has(path: string): boolean;
  get(path: string): { executable: boolean } | undefined;
  keys(): Iterable<string>;
}

/** Validates the appspec text against the files of its bundle; returns the hook scripts it runs. */
export function validateAppSpec(text: string, files: BundleFiles, file = 'appspec.yml'): AppSpecHook[] {
  const problems: string[] = [];
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new AppSpecError(
      file,
      doc.errors.map((e) => `not valid YAML: ${e.message.split('\n')[0]}`),
    );
  }
  const spec = doc.toJS() as unknown;
  if (!isRecord(spec)) throw new AppSpecError(file, ['must be a YAML mapping (version, os, files, hooks)']);

  if (spec.version !== 0 && spec.version !== '0.0') {
    problems.push(`version must be 0.0; got ${JSON.stringify(spec.version)}`);
  }
  if (spec.os !== 'linux' && spec.os !== 'windows') {
    problems.push(`os must be linux or windows; got ${JSON.stringify(spec.os)}`);
  }
  for (const [i, entry] of asList(spec.files).entries()) {
    const source = isRecord(entry) ? entry.source : undefined;
    if (typeof source !== 'string' || !isRecord(entry) || typeof entry.destination !== 'string') {
      problems.push(`files[${i}] must have a source and a destination; got ${JSON.stringify(entry)}`);
    } else if (!pathExists(files, source)) {
      problems.push(`files[${i}].source ${JSON.stringify(source)} is not in the bundle`);
    }
  }

  const hooks: AppSpecHook[] = [];
  const declared = spec.hooks ?? {};
  if (!isRecord(declared))
    problems.push(`hooks must be a mapping of hook names to scripts; got ${JSON.stringify(declared)}`);
  for (const [hook, scripts] of Object.entries(isRecord(declared) ? declared : {})) {
    if ((RESERVED_HOOKS as readonly string[]).includes(hook)) {
      problems.push(`hook ${hook} is run by CodeDeploy itself; a script cannot hook it`);
      continue;
    }
    if (!(SCRIPT_HOOKS as readonly string[]).includes(hook)) {
      problems.push(
        `hook ${JSON.stringify(hook)} is not a CodeDeploy hook; known hooks: ${SCRIPT_HOOKS.join(', ')}`,
      );
      continue;
    }
    for (const [i, script] of asList(scripts).entries()) {
      const where = `hook ${hook}[${i}]`;
      if (!isRecord(script) || typeof script.location !== 'string' || script.location === '') {
        problems.push(`${where} needs a location; got ${JSON.stringify(script)}`);
        continue;
      }
      const location = script.location.replace(/^\/+/, '');
      const found = files.get(location);
      if (!found) problems.push(`${where} location ${JSON.stringify(script.location)} is not in the bundle`);
      else if (spec.os === 'linux' && !found.executable) {
        problems.push(`${where} location ${JSON.stringify(script.location)} is not executable (chmod +x it)`);
      }
      const { timeout, runas } = script;
      if (
        timeout !== undefined &&
        !(
          Number.isInteger(timeout) &&
          (timeout as number) >= 1 &&
          (timeout as number) <= MAX_HOOK_TIMEOUT_SECONDS
        )
      ) {
        problems.push(
          `${where} timeout must be a whole number of seconds from 1 to ${MAX_HOOK_TIMEOUT_SECONDS}; got ${JSON.stringify(timeout)}`,
        );
      }
      if (runas !== undefined && (typeof runas !== 'string' || runas === '')) {
        problems.push(`${where} runas must be a user name; got ${JSON.stringify(runas)}`);
      }
      const unknown = Object.keys(script).filter((k) => !['location', 'timeout', 'runas'].includes(k));
      if (unknown.length > 0) problems.push(`${where} has unknown keys: ${unknown.join(', ')}`);
      hooks.push({
        hook,
        location,
        timeout: typeof timeout === 'number' ? timeout : undefined,
        runas: typeof runas === 'string' ? runas : undefined,
      });
    }
  }
  if (problems.length > 0) throw new AppSpecError(file, problems);
  return hooks;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** A file, or a folder (some file lives under it); "/" is the whole bundle. */
function pathExists(files: BundleFiles, source: string): boolean {
  const path = source.replace(/^\/+/, '').replace(/\/+$/, '');
  if (path === '') return true;
  if (files.has(path)) return true;
  for (const key of files.keys()) if (key.startsWith(`${path}/`)) return true;
  return false;
}
