import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo.js';
import {
  allSteps,
  type Job,
  loadLocalAction,
  type Permissions,
  type Step,
  usesLines,
  type Workflow,
  where,
} from './workflows.js';

/** The action that exchanges the job's OIDC token for AWS credentials. */
export const CONFIGURE_AWS = 'aws-actions/configure-aws-credentials';

/** Each finding names the workflow, the job and the step; an empty list is a pass. */
export type Findings = string[];

export function permissionsOf(permissions: Permissions): Record<string, string> {
  if (permissions === undefined) return {};
  if (typeof permissions === 'string') {
    // read-all / write-all grant every scope.
    return { '*': permissions.replace(/-all$/, '') };
  }
  return permissions;
}

export function topLevelPermissions(w: Workflow): Findings {
  const granted = permissionsOf(w.permissions);
  if (w.permissions === undefined)
    return [`${w.file}: no top-level permissions (the default token may write)`];
  const extra = Object.entries(granted).filter(
    ([scope, level]) => !(scope === 'contents' && level === 'read'),
  );
  return extra.map(
    ([scope, level]) => `${w.file}: top-level permissions grant ${scope}: ${level}; only contents: read`,
  );
}

export function assumesRole(job: Job): boolean {
  return (job.steps ?? []).some((step) => step.uses?.startsWith(`${CONFIGURE_AWS}@`));
}

export function idTokenOnlyWhereRolesAreAssumed(w: Workflow): Findings {
  return Object.entries(w.jobs).flatMap(([jobId, job]) => {
    const writes = permissionsOf(job.permissions)['id-token'] === 'write';
    if (writes && !assumesRole(job)) return [`${where(w, jobId)}: id-token: write but assumes no AWS role`];
    if (!writes && assumesRole(job))
      return [`${where(w, jobId)}: assumes an AWS role without id-token: write`];
    return [];
  });
}

/** Every `uses:` of a workflow: its steps' and its jobs' (reusable workflows). */
export function usesOf(w: Workflow): string[] {
  return Object.values(w.jobs).flatMap((job) => [
    ...(job.uses ? [job.uses] : []),
    ...(job.steps ?? []).flatMap((step) => (step.uses ? [step.uses] : [])),
  ]);
}

function isLocal(uses: string): boolean {
  return uses.startsWith('./') || uses.startsWith('docker://');
}

/** `owner/repo@<40 hex> # vX.Y.Z` for every action that is not in this repository. */
export function pinnedThirdPartyActions(w: Workflow): Findings {
  const lines = usesLines(w.text);
  return usesOf(w).flatMap((uses) => {
    if (isLocal(uses)) return [];
    if (!/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(uses))
      return [`${w.file} ${uses}: not pinned to a full commit SHA`];
    const written = lines.filter((line) => line.uses === uses);
    if (written.length === 0)
      return [`${w.file} ${uses}: write it as "uses: ${uses} # vX.Y.Z" on a line of its own`];
    return written
      .filter(({ comment }) => !comment || !/^v\d+(\.\d+){0,2}\b/.test(comment))
      .map(({ line }) => `${w.file}:${line} ${uses}: no "# vX.Y.Z" comment naming the version`);
  });
}

/** The same third-party action is pinned to one commit across every workflow. */
export function onePinPerAction(workflows: Workflow[]): Findings {
  const pins = new Map<string, Set<string>>();
  for (const uses of workflows.flatMap(usesOf).filter((uses) => !isLocal(uses))) {
    const [action, ref = ''] = uses.split('@');
    pins.set(action!, (pins.get(action!) ?? new Set()).add(ref));
  }
  return [...pins]
    .filter(([, refs]) => refs.size > 1)
    .map(([action, refs]) => `${action} pinned to ${[...refs].join(', ')}`);
}

export function triggers(w: Workflow): string[] {
  if (typeof w.on === 'string') return [w.on];
  if (Array.isArray(w.on)) return w.on as string[];
  return Object.keys(w.on as object);
}

export function noPullRequestTarget(w: Workflow): Findings {
  return triggers(w).includes('pull_request_target') ? [`${w.file}: triggered by pull_request_target`] : [];
}

/**
 * `run:` scripts take no `${{ }}` expression at all: every value reaches the shell through `env:`,
 * so nothing a pull request, a dispatch input or a commit message carries can become shell code.
 */
export function noExpressionsInRun(workflows: Workflow[]): Findings {
  return allSteps(workflows).flatMap(({ workflow: w, jobId, step }) => {
    const expressions = step.run?.match(/\$\{\{[^}]*\}\}/g) ?? [];
    return expressions.map(
      (expression) => `${where(w, jobId, step)}: ${expression} inside run:; pass it through env:`,
    );
  });
}

function localAction(step: Step): string | undefined {
  return step.uses?.startsWith('./') ? step.uses.replace(/\/$/, '') : undefined;
}

/** Every `with:` key of a local action is one of its inputs, and every required input is given. */
export function localActionInputs(workflows: Workflow[]): Findings {
  return allSteps(workflows).flatMap(({ workflow: w, jobId, step }) => {
    const uses = localAction(step);
    if (!uses) return [];
    const inputs = loadLocalAction(uses).inputs ?? {};
    const given = Object.keys(step.with ?? {});
    const unknown = given
      .filter((key) => !(key in inputs))
      .map(
        (key) =>
          `${where(w, jobId, step)}: ${uses} has no input "${key}" (it has ${Object.keys(inputs).join(', ')})`,
      );
    const missing = Object.entries(inputs)
      .filter(
        ([key, input]) => isRequired(input.required) && input.default === undefined && !given.includes(key),
      )
      .map(([key]) => `${where(w, jobId, step)}: required input "${key}" of ${uses} is not given`);
    return [...unknown, ...missing];
  });
}

function isRequired(required: boolean | string | undefined): boolean {
  return required === true || required === 'true';
}

/** Every local action and repository script a workflow names exists. */
export function referencedFilesExist(workflows: Workflow[]): Findings {
  return allSteps(workflows).flatMap(({ workflow: w, jobId, step }) => {
    const paths = [
      ...(localAction(step) ? [`${localAction(step)!.slice(2)}/action.yml`] : []),
      ...(typeof step.with?.['provision-script'] === 'string' ? [step.with['provision-script']] : []),
      ...(step.run?.match(/(?<![\w/.-])(?:deploy|actions|\.github)\/[\w./-]+\.(?:sh|mjs|js|ts)\b/g) ?? []),
    ];
    return paths
      .filter((path) => !existsSync(join(repoRoot, path)))
      .map((path) => `${where(w, jobId, step)}: ${path} does not exist`);
  });
}

/** Jobs whose concurrency group deploys an environment: never cancelled half-way. */
export function concurrencyOf(job: Job): { group: string; cancelInProgress: boolean } | undefined {
  if (job.concurrency === undefined) return undefined;
  if (typeof job.concurrency === 'string') return { group: job.concurrency, cancelInProgress: false };
  const cancel = job.concurrency['cancel-in-progress'];
  return {
    group: job.concurrency.group,
    cancelInProgress: cancel === true || cancel === 'true' || typeof cancel === 'string',
  };
}

/**
 * `npm ci` / `npm install` run every dependency's install scripts, and every step of a job that holds
 * `id-token: write` can request the job's OIDC token (the runner exposes ACTIONS_ID_TOKEN_REQUEST_URL
 * and _TOKEN to all its steps): such a job installs nothing unless scripts are off.
 */
export function noInstallScriptsWithIdToken(workflows: Workflow[]): Findings {
  return allSteps(workflows).flatMap(({ workflow: w, jobId, job, step }) => {
    if (permissionsOf(job.permissions)['id-token'] !== 'write') return [];
    const installs = /\bnpm\s+(ci|install|i)\b(?![^\n]*--ignore-scripts)/.test(step.run ?? '');
    return installs
      ? [`${where(w, jobId, step)}: npm installs with install scripts in a job with id-token: write`]
      : [];
  });
}

/** Every actions/setup-node asks for the supported LTS line (Node 20 is end of life). */
export function nodeVersions(workflows: Workflow[]): Findings {
  return allSteps(workflows).flatMap(({ workflow: w, jobId, step }) => {
    if (!step.uses?.startsWith('actions/setup-node@')) return [];
    const version = String(step.with?.['node-version'] ?? '');
    return version === '24' ? [] : [`${where(w, jobId, step)}: node-version ${version || '(none)'}; use 24`];
  });
}
