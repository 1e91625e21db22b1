/**
 * Evaluates a workflow's own expressions with GitHub's expression engine (@actions/expressions, the
 * parser and evaluator of GitHub's actions/languageservices), so a test can ask what an `if:` or a
 * concurrency group decides for given contexts. What the engine leaves to the runner is written here
 * after GitHub's docs ("Evaluate expressions in workflows and actions", status check functions):
 * - `if:` without a status check function gets an implicit `success() &&`;
 * - success(): no previous step (job) failed or was cancelled; failure(): a previous one failed;
 *   cancelled(): the workflow was cancelled; always(): true.
 */
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';

export interface JobStatus {
  /** A previous step failed (a step that failed with continue-on-error does not count). */
  failed: boolean;
  /** The run was cancelled. */
  cancelled: boolean;
}

const STATUS_FUNCTIONS = ['success', 'failure', 'cancelled', 'always'] as const;

function toData(value: unknown): data.ExpressionData {
  if (value === null || value === undefined) return new data.Null();
  if (typeof value === 'string') return new data.StringData(value);
  if (typeof value === 'number') return new data.NumberData(value);
  if (typeof value === 'boolean') return new data.BooleanData(value);
  if (Array.isArray(value)) {
    const array = new data.Array();
    for (const item of value) array.add(toData(item));
    return array;
  }
  const dictionary = new data.Dictionary();
  for (const [key, item] of Object.entries(value as Record<string, unknown>))
    dictionary.add(key, toData(item));
  return dictionary;
}

function statusFunctions(status: JobStatus) {
  const result = (name: string, value: boolean) => ({
    name,
    description: '',
    minArgs: 0,
    maxArgs: 0,
    call: () => new data.BooleanData(value),
  });
  return [
    result('success', !status.failed && !status.cancelled),
    result('failure', status.failed),
    result('cancelled', status.cancelled),
    result('always', true),
  ];
}

/** Evaluates `${{ … }}` or a bare expression; returns its value as JSON-like data. */
export function evaluate(
  expression: string,
  contexts: Record<string, unknown>,
  status: JobStatus = { failed: false, cancelled: false },
): unknown {
  const body = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(expression)?.[1] ?? expression;
  const { tokens } = new Lexer(body).lex();
  const functions = statusFunctions(status);
  const tree = new Parser(tokens, Object.keys(contexts), functions).parse();
  const value = new Evaluator(
    tree,
    toData(contexts) as data.Dictionary,
    new Map(functions.map((f) => [f.name, f])),
  ).evaluate();
  return JSON.parse(JSON.stringify(value, data.replacer));
}

/** Whether an `if:` lets its step or job run. */
export function runs(
  condition: string | undefined,
  contexts: Record<string, unknown>,
  status: JobStatus,
): boolean {
  const body =
    condition === undefined ? 'success()' : (/^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(condition)?.[1] ?? condition);
  const hasStatus = STATUS_FUNCTIONS.some((name) => new RegExp(`\\b${name}\\s*\\(`).test(body));
  const full = hasStatus ? body : `success() && (${body})`;
  return Boolean(toTruthy(evaluate(full, contexts, status)));
}

function toTruthy(value: unknown): boolean {
  // Expression truthiness (GitHub docs, "Literals"/"Operators"): false, 0, -0, "", null are falsy.
  return !(value === false || value === 0 || value === '' || value === null || value === undefined);
}

/** Replaces every `${{ … }}` in a string with its value (a concurrency group, an environment name). */
export function interpolate(text: string, contexts: Record<string, unknown>): string {
  return text.replace(/\$\{\{([^}]*)\}\}/g, (_, body: string) => String(evaluate(body, contexts)));
}
