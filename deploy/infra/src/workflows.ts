import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot, workflowsDir } from './repo.js';

export type Permissions = string | Record<string, string> | undefined;

export interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}

export interface Job {
  name?: string;
  if?: string;
  uses?: string;
  needs?: string | string[];
  'timeout-minutes'?: number;
  services?: Record<string, { image: string }>;
  env?: Record<string, string>;
  permissions?: Permissions;
  environment?: string | { name: string; url?: string };
  concurrency?: string | { group: string; 'cancel-in-progress'?: boolean | string };
  steps?: Step[];
  /** What later jobs read as needs.<job>.outputs. */
  outputs?: Record<string, string>;
}

export interface Workflow {
  /** File name, e.g. deploy.yml. */
  file: string;
  text: string;
  name?: string;
  on: unknown;
  permissions?: Permissions;
  concurrency?: Job['concurrency'];
  jobs: Record<string, Job>;
}

export function parseWorkflow(file: string, text: string): Workflow {
  const doc = parse(text) as Omit<Workflow, 'file' | 'text'> | null;
  if (!doc || typeof doc !== 'object' || !doc.jobs) throw new Error(`${file} is not a workflow (no jobs)`);
  return { ...doc, file, text };
}

export function loadWorkflows(): Workflow[] {
  const files = readdirSync(workflowsDir).filter((name) => /\.ya?ml$/.test(name));
  if (files.length === 0) throw new Error(`no workflow in ${workflowsDir}`);
  return files.sort().map((file) => parseWorkflow(file, readFileSync(join(workflowsDir, file), 'utf8')));
}

export function workflow(workflows: Workflow[], file: string): Workflow {
  const found = workflows.find((w) => w.file === file);
  if (!found) throw new Error(`.github/workflows/${file} is missing`);
  return found;
}

/** Every step of every job, with where it is. */
export function allSteps(
  workflows: Workflow[],
): { workflow: Workflow; jobId: string; job: Job; step: Step }[] {
  return workflows.flatMap((w) =>
    Object.entries(w.jobs).flatMap(([jobId, job]) =>
      (job.steps ?? []).map((step) => ({ workflow: w, jobId, job, step })),
    ),
  );
}

export function where(w: Workflow, jobId: string, step?: Step): string {
  const label = step ? ` step "${step.name ?? step.id ?? step.uses ?? step.run?.split('\n')[0]}"` : '';
  return `${w.file} job ${jobId}${label}`;
}

/** The `uses:` lines of a workflow's text with their trailing comment (the parsed YAML drops comments). */
export function usesLines(text: string): { uses: string; comment: string | undefined; line: number }[] {
  return text.split('\n').flatMap((line, index) => {
    const match = /^\s*(?:-\s+)?uses:\s*(\S+)\s*(?:#\s*(.*))?$/.exec(line);
    return match ? [{ uses: match[1]!, comment: match[2]?.trim(), line: index + 1 }] : [];
  });
}

export interface ActionInput {
  required?: boolean | string;
  default?: unknown;
  description?: string;
}

export interface ActionMetadata {
  name?: string;
  inputs?: Record<string, ActionInput>;
  outputs?: Record<string, unknown>;
  runs?: { using?: string; main?: string; post?: string };
}

/** A local action's metadata: `./actions/bake-ami` → actions/bake-ami/action.yml. */
export function loadLocalAction(uses: string): ActionMetadata {
  const path = join(repoRoot, uses, 'action.yml');
  try {
    return parse(readFileSync(path, 'utf8')) as ActionMetadata;
  } catch (error) {
    throw new Error(`${uses}: cannot read ${path}: ${(error as Error).message}`);
  }
}
