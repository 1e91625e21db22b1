import type { Json, Template } from './cfn.js';
import { resource } from './cfn.js';

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: Json;
  Condition?: Record<string, Record<string, Json>>;
  Principal?: Json;
}

const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

/** The statements of a role's inline policies. */
export function inlineStatements(template: Template, roleId: string): Statement[] {
  const policies = (resource(template, roleId).Properties?.Policies ?? []) as {
    PolicyDocument: { Statement: Statement[] };
  }[];
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

/** Every action the Allow statements grant, sorted, each once. */
export function allowedActions(statements: Statement[]): string[] {
  return [...new Set(statements.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action)))].sort();
}

/** Describe*, List*, Get*, BatchGet*: the operations that change nothing. */
export function isReadOnly(action: string): boolean {
  return /^[a-z0-9-]+:(Describe|List|Get|BatchGet)[A-Z]/.test(action);
}

/** The trust policy's GitHub OIDC conditions (aud and sub), as written. */
export function githubTrust(template: Template, roleId: string): Record<string, Json> {
  const trust = resource(template, roleId).Properties?.AssumeRolePolicyDocument as { Statement: Statement[] };
  const [statement, ...others] = trust.Statement;
  if (!statement || others.length > 0) throw new Error(`${roleId}: expected one trust statement`);
  if (list(statement.Action).join() !== 'sts:AssumeRoleWithWebIdentity')
    throw new Error(`${roleId}: not an OIDC trust`);
  if (Object.keys(statement.Condition ?? {}).join() !== 'StringEquals') {
    throw new Error(`${roleId}: trust conditions must be StringEquals only (no StringLike wildcards)`);
  }
  return statement.Condition!.StringEquals!;
}
