/**
 * The AWS operations the pipeline really calls, read from its code: every `new XxxCommand(` in the
 * actions' sources (with the @aws-sdk client it is imported from) — the release action and the
 * actions' logic it imports. The workflows run no aws CLI: every AWS call is in an action. Each call is named two ways: its API operation
 * (`s3:HeadObject`, the key of the error table and of the IAM request model) and the IAM action that
 * names it in a policy (`s3:GetObject`).
 *
 * What AWS authorizes for each call (its resources, condition keys and the other actions it checks)
 * is in aws-requests.ts; the IAM engine test evaluates those against the template's roles.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AWS_CLIENTS } from '@dealership/actions/aws-errors';
import { actionsDir, listFiles, repoPath } from './repo.js';

/** The service of each AWS SDK v3 client package the actions use (the same prefix IAM uses). */
const SERVICE_OF_CLIENT: Record<string, string> = Object.fromEntries(
  AWS_CLIENTS.map((c) => [c.sdk, c.service]),
);

/** API operations whose IAM action has another name (Service Authorization Reference). */
const IAM_ACTION_OF_OPERATION: Record<string, string> = {
  's3:HeadObject': 's3:GetObject',
  's3:HeadBucket': 's3:ListBucket',
  's3:ListObjectsV2': 's3:ListBucket',
};

/** `s3:HeadObject` → `s3:GetObject`; most operations are their own IAM action. */
export function iamActionOf(apiOperation: string): string {
  return IAM_ACTION_OF_OPERATION[apiOperation] ?? apiOperation;
}

export interface Operation {
  /** IAM action (e.g. `s3:GetObject`), or the API operation (`s3:HeadObject`) in the API views. */
  action: string;
  /** Repository paths of the files that call it. */
  calledFrom: string[];
}

/** `{ name → client package }` for every name a TypeScript file imports from an @aws-sdk client. */
export function sdkImports(source: string, file: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const match of source.matchAll(
    /import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*'@aws-sdk\/(client-[a-z0-9-]+)'/g,
  )) {
    const client = match[2]!;
    if (!(client in SERVICE_OF_CLIENT))
      throw new Error(
        `${file}: imports @aws-sdk/${client}, which is not in AWS_CLIENTS (actions/lib/aws-errors.ts)`,
      );
    for (const specifier of match[1]!.split(',')) {
      const name = specifier
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .pop();
      if (name) names.set(name, client);
    }
  }
  return names;
}

/** The API operations (`service:Operation`) of the `new XxxCommand(` calls in one TypeScript source. */
export function apiCallsIn(source: string, file: string): string[] {
  const imports = sdkImports(source, file);
  return [...source.matchAll(/\bnew\s+([A-Z]\w*)Command\s*\(/g)].map((match) => {
    const client = imports.get(`${match[1]}Command`);
    if (!client) throw new Error(`${file}: new ${match[1]}Command( is not imported from an @aws-sdk client`);
    return `${SERVICE_OF_CLIENT[client]}:${match[1]}`;
  });
}

/** The IAM actions of the `new XxxCommand(` calls in one TypeScript source. */
export function commandsIn(source: string, file: string): string[] {
  return apiCallsIn(source, file).map(iamActionOf);
}

const isSource = (path: string) =>
  path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.endsWith('.d.ts');

/** The TypeScript files one action runs: its src/ and the actions/lib files they import, transitively. */
export function actionSources(action: string): string[] {
  const entry = listFiles(join(actionsDir, action, 'src'), isSource);
  if (entry.length === 0) throw new Error(`actions/${action}/src has no TypeScript source`);
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/from\s+'(\.{1,2}\/[^']+)\.js'/g)) {
      const target = resolve(dirname(file), `${match[1]}.ts`);
      if (existsSync(target) && isSource(target)) visit(target);
    }
  };
  for (const file of entry) visit(file);
  return [...seen].sort();
}

function collect(calls: { action: string; file: string }[]): Operation[] {
  const byAction = new Map<string, Set<string>>();
  for (const { action, file } of calls) byAction.set(action, (byAction.get(action) ?? new Set()).add(file));
  return [...byAction]
    .map(([action, files]) => ({ action, calledFrom: [...files].sort() }))
    .sort((a, b) => (a.action < b.action ? -1 : 1));
}

/** What one action calls, as API operations (`s3:HeadObject`). */
export function apiOperationsOfAction(action: string): Operation[] {
  return collect(
    actionSources(action).flatMap((file) =>
      apiCallsIn(readFileSync(file, 'utf8'), repoPath(file)).map((a) => ({
        action: a,
        file: repoPath(file),
      })),
    ),
  );
}

/** An API view as IAM actions (`s3:HeadObject` → `s3:GetObject`), merged. */
export function asIamActions(operations: Operation[]): Operation[] {
  return collect(
    operations.flatMap((op) => op.calledFrom.map((file) => ({ action: iamActionOf(op.action), file }))),
  );
}

/** What one action calls (its own IAM actions, not the ones AWS checks alongside). */
export function operationsOfAction(action: string): Operation[] {
  return asIamActions(apiOperationsOfAction(action));
}

/** The same operation lists merged (the calls of several actions). */
export function mergeOperations(...lists: Operation[][]): Operation[] {
  return collect(lists.flat().flatMap((op) => op.calledFrom.map((file) => ({ action: op.action, file }))));
}
