import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';

/** The lifecycle events of an EC2 in-place deployment behind a load balancer, in the order CodeDeploy runs them. */
export const LIFECYCLE_ORDER = [
  'BeforeBlockTraffic',
  'BlockTraffic',
  'AfterBlockTraffic',
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
] as const;
export type LifecycleEvent = (typeof LIFECYCLE_ORDER)[number];

/** Events CodeDeploy performs itself; an appspec may not attach scripts to them. */
const RESERVED_EVENTS: readonly LifecycleEvent[] = [
  'BlockTraffic',
  'DownloadBundle',
  'Install',
  'AllowTraffic',
];
export const SCRIPTABLE_EVENTS = LIFECYCLE_ORDER.filter((event) => !RESERVED_EVENTS.includes(event));

/** CodeDeploy's limit (and default) for one hook script. */
export const MAX_HOOK_TIMEOUT_S = 3600;

export interface HookScript {
  location: string;
  timeoutSeconds: number;
  runas?: string;
}

export interface FileMapping {
  source: string;
  destination: string;
}

export type FileExistsBehavior = 'DISALLOW' | 'OVERWRITE' | 'RETAIN';

export interface PermissionRule {
  object: string;
  pattern: string;
  except: string[];
  owner?: string;
  group?: string;
  mode?: number;
  types: ('file' | 'directory')[];
}

export interface AppSpec {
  os: 'linux';
  files: FileMapping[];
  /** What the appspec says, else DISALLOW (the agent's default when the deployment says nothing either). */
  fileExistsBehavior: FileExistsBehavior;
  /**
   * Set only when the appspec says it: then it wins over the deployment's own fileExistsBehavior
   * (aws-codedeploy-agent, lib/instance_agent/plugins/codedeploy/installer.rb, generate_instructions).
   */
  declaredFileExistsBehavior?: FileExistsBehavior;
  permissions: PermissionRule[];
  hooks: Partial<Record<LifecycleEvent, HookScript[]>>;
}

export class AppSpecError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source} is not a valid appspec:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'AppSpecError';
  }
}

type Fields = Record<string, unknown>;
const isFields = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

/** Parses and validates an appspec.yml text; every problem is reported with its path and value. */
export function parseAppSpec(text: string, source = 'appspec.yml'): AppSpec {
  const { spec, problems } = checkAppSpec(text, source);
  if (problems.length > 0) throw new AppSpecError(source, problems);
  return spec;
}

/**
 * Reads an appspec.yml text and lists its problems without throwing for them, so a caller can add its
 * own (a hook script missing from the bundle) and report all at once. The spec holds the valid parts.
 * Throws only when the text is not a YAML mapping at all.
 */
export function checkAppSpec(text: string, source = 'appspec.yml'): { spec: AppSpec; problems: string[] } {
  const problems: string[] = [];
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new AppSpecError(source, [`not YAML: ${(error as Error).message}`]);
  }
  if (!isFields(document)) throw new AppSpecError(source, [`expected a mapping, got ${show(document)}`]);

  const known = ['version', 'os', 'files', 'file_exists_behavior', 'permissions', 'hooks'];
  for (const key of Object.keys(document)) {
    if (!known.includes(key)) problems.push(`${key}: unknown key (known: ${known.join(', ')})`);
  }
  if (document.version !== 0) problems.push(`version: must be 0.0, got ${show(document.version)}`);
  if (document.os !== 'linux') problems.push(`os: must be linux, got ${show(document.os)}`);

  const files = parseFiles(document.files, problems);
  const fileExistsBehavior = document.file_exists_behavior ?? 'DISALLOW';
  if (!['DISALLOW', 'OVERWRITE', 'RETAIN'].includes(fileExistsBehavior as string)) {
    problems.push(
      `file_exists_behavior: must be DISALLOW, OVERWRITE or RETAIN, got ${show(fileExistsBehavior)}`,
    );
  }
  const permissions = parsePermissions(document.permissions, problems);
  const hooks = parseHooks(document.hooks, problems);

  const spec: AppSpec = {
    os: 'linux',
    files,
    fileExistsBehavior: fileExistsBehavior as FileExistsBehavior,
    permissions,
    hooks,
  };
  if (document.file_exists_behavior !== undefined) spec.declaredFileExistsBehavior = spec.fileExistsBehavior;
  return { spec, problems };
}

function parseFiles(value: unknown, problems: string[]): FileMapping[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push(`files: expected a list, got ${show(value)}`);
    return [];
  }
  return value.flatMap((entry: unknown, index) => {
    const at = `files[${index}]`;
    if (!isFields(entry) || typeof entry.source !== 'string' || typeof entry.destination !== 'string') {
      problems.push(`${at}: expected {source, destination} strings, got ${show(entry)}`);
      return [];
    }
    if (!entry.destination.startsWith('/')) {
      problems.push(`${at}.destination: must be an absolute path, got ${show(entry.destination)}`);
    }
    return [{ source: entry.source, destination: entry.destination }];
  });
}

function parsePermissions(value: unknown, problems: string[]): PermissionRule[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push(`permissions: expected a list, got ${show(value)}`);
    return [];
  }
  return value.flatMap((entry: unknown, index) => {
    const at = `permissions[${index}]`;
    if (!isFields(entry) || typeof entry.object !== 'string' || !entry.object.startsWith('/')) {
      problems.push(
        `${at}.object: expected an absolute path, got ${show(isFields(entry) ? entry.object : entry)}`,
      );
      return [];
    }
    const rule: PermissionRule = {
      object: entry.object,
      pattern: typeof entry.pattern === 'string' ? entry.pattern : '**',
      except: Array.isArray(entry.except) ? entry.except.map(String) : [],
      types: ['file', 'directory'],
    };
    if (entry.owner !== undefined) rule.owner = String(entry.owner);
    if (entry.group !== undefined) rule.group = String(entry.group);
    if (entry.mode !== undefined) {
      // YAML reads `mode: 750` as the number 750; CodeDeploy means the octal digits.
      const digits = String(entry.mode);
      if (/^[0-7]{3,4}$/.test(digits)) rule.mode = Number.parseInt(digits, 8);
      else problems.push(`${at}.mode: expected three or four octal digits, got ${show(entry.mode)}`);
    }
    if (entry.type !== undefined) {
      const types = Array.isArray(entry.type) ? entry.type : [entry.type];
      const bad = types.filter((type) => type !== 'file' && type !== 'directory');
      if (bad.length > 0) problems.push(`${at}.type: expected file or directory, got ${show(bad)}`);
      else rule.types = types as PermissionRule['types'];
    }
    return [rule];
  });
}

function parseHooks(value: unknown, problems: string[]): AppSpec['hooks'] {
  const hooks: AppSpec['hooks'] = {};
  if (value === undefined) return hooks;
  if (!isFields(value)) {
    problems.push(`hooks: expected a mapping of lifecycle events, got ${show(value)}`);
    return hooks;
  }
  for (const [event, scripts] of Object.entries(value)) {
    if (!(SCRIPTABLE_EVENTS as string[]).includes(event)) {
      const why = (RESERVED_EVENTS as string[]).includes(event) ? 'reserved for CodeDeploy' : 'unknown';
      problems.push(`hooks.${event}: ${why} lifecycle event (scriptable: ${SCRIPTABLE_EVENTS.join(', ')})`);
      continue;
    }
    if (!Array.isArray(scripts) || scripts.length === 0) {
      problems.push(`hooks.${event}: expected a list of scripts, got ${show(scripts)}`);
      continue;
    }
    hooks[event as LifecycleEvent] = scripts.flatMap((script: unknown, index) => {
      const at = `hooks.${event}[${index}]`;
      if (!isFields(script) || typeof script.location !== 'string' || script.location === '') {
        problems.push(
          `${at}.location: expected a script path, got ${show(isFields(script) ? script.location : script)}`,
        );
        return [];
      }
      const timeout = script.timeout ?? MAX_HOOK_TIMEOUT_S;
      const timeoutIsValid =
        Number.isInteger(timeout) && (timeout as number) >= 1 && (timeout as number) <= MAX_HOOK_TIMEOUT_S;
      if (!timeoutIsValid) {
        problems.push(
          `${at}.timeout: expected whole seconds from 1 to ${MAX_HOOK_TIMEOUT_S}, got ${show(timeout)}`,
        );
      }
      const { runas } = script;
      if (runas !== undefined && (typeof runas !== 'string' || runas === '')) {
        problems.push(`${at}.runas: expected a user name, got ${show(runas)}`);
      }
      const unknown = Object.keys(script).filter((key) => !['location', 'timeout', 'runas'].includes(key));
      if (unknown.length > 0)
        problems.push(`${at}: unknown keys ${unknown.join(', ')} (known: location, timeout, runas)`);
      // Kept even when invalid, so a caller's own checks (is the script in the bundle?) still see it.
      const hook: HookScript = {
        location: script.location,
        timeoutSeconds: timeoutIsValid ? (timeout as number) : MAX_HOOK_TIMEOUT_S,
      };
      if (typeof runas === 'string' && runas !== '') hook.runas = runas;
      return [hook];
    });
  }
  return hooks;
}

/**
 * Reads and parses the appspec of an unpacked revision, found as the agent finds it
 * (aws-codedeploy-agent, lib/instance_agent/plugins/codedeploy/command_executor.rb `app_spec_real_path`):
 * the deployment's AppSpecFilename if it is there, else appspec.yaml, else appspec.yml. Whether a hook
 * script is there and executable is the hook runner's business, as it is the agent's: it fails the one
 * event whose script is missing and makes a non-executable one executable (codedeploy/hook-script.ts).
 */
export async function loadRevisionAppSpec(
  revisionDir: string,
  appSpecPath = 'appspec.yml',
): Promise<AppSpec> {
  const candidates = [appSpecPath, 'appspec.yaml', 'appspec.yml'].map((name) => join(revisionDir, name));
  const source = candidates.find((candidate) => existsSync(candidate));
  if (source === undefined) {
    throw new Error(
      `The CodeDeploy agent did not find an AppSpec file within the unpacked revision directory at revision-relative path "${appSpecPath}". The revision was unpacked to directory "${revisionDir}".`,
    );
  }
  return parseAppSpec(await readFile(source, 'utf8'), source);
}
