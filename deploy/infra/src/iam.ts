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

/**
 * The trust policy's GitHub OIDC conditions (aud and sub), as written, by operator. StringEquals
 * throughout, except that the sub may be a StringLike (a pull request's number is in it).
 */
export function githubTrust(template: Template, roleId: string): Record<string, Record<string, Json>> {
  const trust = resource(template, roleId).Properties?.AssumeRolePolicyDocument as { Statement: Statement[] };
  const [statement, ...others] = trust.Statement;
  if (!statement || others.length > 0) throw new Error(`${roleId}: expected one trust statement`);
  if (list(statement.Action).join() !== 'sts:AssumeRoleWithWebIdentity')
    throw new Error(`${roleId}: not an OIDC trust`);
  const conditions = statement.Condition ?? {};
  const operators = Object.keys(conditions);
  if (
    !operators.includes('StringEquals') ||
    operators.some((o) => !['StringEquals', 'StringLike'].includes(o))
  ) {
    throw new Error(`${roleId}: trust conditions must be StringEquals (and StringLike for the sub only)`);
  }
  if (
    Object.keys(conditions.StringLike ?? {}).some((key) => key !== 'token.actions.githubusercontent.com:sub')
  ) {
    throw new Error(`${roleId}: only the sub may be matched with wildcards`);
  }
  return conditions;
}
