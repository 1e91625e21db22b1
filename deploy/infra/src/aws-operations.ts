/**
 * The AWS operations the pipeline really calls, read from its code: every `new XxxCommand(` in the
 * actions' sources (with the @aws-sdk client it is imported from) — the release action and the
 * actions' logic it imports — and every `aws <service> <op>` of a shell script. The IAM tests hold
 * the roles to exactly these.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { actionsDir, listFiles, repoPath } from './repo.js';

/** The IAM service prefix of each AWS SDK v3 client package the actions use. */
const IAM_PREFIX_OF_CLIENT: Record<string, string> = {
  'client-auto-scaling': 'autoscaling',
  'client-codedeploy': 'codedeploy',
  'client-ec2': 'ec2',
  'client-elastic-load-balancing-v2': 'elasticloadbalancing',
  'client-s3': 's3',
  'client-ssm': 'ssm',
  'client-sts': 'sts',
};

/** The IAM service prefix of each aws CLI command the pipeline scripts use. */
const IAM_PREFIX_OF_CLI: Record<string, string> = {
  autoscaling: 'autoscaling',
  deploy: 'codedeploy',
  ec2: 'ec2',
  s3api: 's3',
  secretsmanager: 'secretsmanager',
};

/** API operations whose IAM action has another name. */
const IAM_ACTION_OF_OPERATION: Record<string, string> = {
  's3:HeadObject': 's3:GetObject',
  's3:HeadBucket': 's3:ListBucket',
  's3:ListObjectsV2': 's3:ListBucket',
};

/**
 * Permissions AWS checks besides the operation's own (AWS service authorization reference,
 * "dependent actions"), so a call that needs them fails without them.
 */
export const DEPENDENT_ACTIONS: Record<string, { actions: string[]; why: string }> = {
  'ec2:RunInstances': {
    actions: ['iam:PassRole', 'ec2:CreateTags'],
    why: 'the builder gets an instance profile (PassRole) and is tagged on launch (TagSpecifications)',
  },
  'ec2:CreateImage': {
    actions: ['ec2:CreateTags'],
    why: 'the image is tagged on creation (TagSpecifications)',
  },
  'autoscaling:StartInstanceRefresh': {
    actions: ['ec2:RunInstances', 'iam:PassRole', 'ec2:CreateTags'],
    why:
      'DesiredConfiguration points the group at a launch template version: the caller must be allowed to ' +
      'launch from it, pass its instance profile and create its tags',
  },
  'autoscaling:UpdateAutoScalingGroup': {
    actions: ['ec2:RunInstances', 'iam:PassRole', 'ec2:CreateTags'],
    why:
      'the release pins an empty group to a launch template version: as with StartInstanceRefresh, the caller must ' +
      'be allowed to launch from it, pass its instance profile and create its tags',
  },
  'codedeploy:CreateDeployment': {
    actions: [
      'codedeploy:GetDeploymentConfig',
      'codedeploy:RegisterApplicationRevision',
      'codedeploy:GetApplicationRevision',
    ],
    why: 'CreateDeployment reads the deployment configuration and registers the revision with the application',
  },
};

export interface Operation {
  /** e.g. ec2:RunInstances */
  action: string;
  /** Repository paths of the files that call it. */
  calledFrom: string[];
}

function toIamAction(prefix: string, operation: string): string {
  const action = `${prefix}:${operation}`;
  return IAM_ACTION_OF_OPERATION[action] ?? action;
}

/** `{ name → client package }` for every name a TypeScript file imports from an @aws-sdk client. */
export function sdkImports(source: string, file: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const match of source.matchAll(
    /import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*'@aws-sdk\/(client-[a-z0-9-]+)'/g,
  )) {
    const client = match[2]!;
    if (!(client in IAM_PREFIX_OF_CLIENT))
      throw new Error(`${file}: imports @aws-sdk/${client}, which has no IAM prefix here`);
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

/** The IAM actions of the `new XxxCommand(` calls in one TypeScript source. */
export function commandsIn(source: string, file: string): string[] {
  const imports = sdkImports(source, file);
  return [...source.matchAll(/\bnew\s+([A-Z]\w*)Command\s*\(/g)].map((match) => {
    const client = imports.get(`${match[1]}Command`);
    if (!client) throw new Error(`${file}: new ${match[1]}Command( is not imported from an @aws-sdk client`);
    return toIamAction(IAM_PREFIX_OF_CLIENT[client]!, match[1]!);
  });
}

/** The IAM actions of the `aws <service> <operation>` calls in a shell script (comments skipped). */
export function cliCallsIn(script: string, file: string): string[] {
  const code = script
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n');
  return [...code.matchAll(/(?<![\w-])aws\s+([a-z0-9]+)\s+([a-z][a-z0-9-]*)/g)].map(
    ([, service, command]) => {
      const prefix = IAM_PREFIX_OF_CLI[service!];
      if (!prefix) throw new Error(`${file}: aws ${service} has no IAM prefix here`);
      const operation = command!.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
      return toIamAction(prefix, operation);
    },
  );
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

/** What one action calls (its own operations, not the dependent ones). */
export function operationsOfAction(action: string): Operation[] {
  return collect(
    actionSources(action).flatMap((file) =>
      commandsIn(readFileSync(file, 'utf8'), repoPath(file)).map((a) => ({
        action: a,
        file: repoPath(file),
      })),
    ),
  );
}

/** Adds the dependent actions of each operation (marked as needed by it). */
export function withDependentActions(operations: Operation[]): Operation[] {
  const dependent = operations.flatMap((op) =>
    (DEPENDENT_ACTIONS[op.action]?.actions ?? []).map((action) => ({
      action,
      file: `(needed by ${op.action})`,
    })),
  );
  return collect([
    ...operations.flatMap((op) => op.calledFrom.map((file) => ({ action: op.action, file }))),
    ...dependent,
  ]);
}
