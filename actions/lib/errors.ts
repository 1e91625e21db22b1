/**
 * The one error formatter. AWS errors show their code, HTTP status and request id (what AWS support
 * asks for); everything else shows its message.
 */
import * as core from '@actions/core';
import { decisionFor } from './aws-errors.js';

/** The parts of an AWS SDK v3 service exception this formatter reads. */
interface AwsErrorShape {
  name: string;
  message: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string };
}

export function isAwsError(error: unknown): error is AwsErrorShape {
  return error instanceof Error && typeof (error as Partial<AwsErrorShape>).$metadata === 'object';
}

/** The AWS error code (`ThrottlingException`, `InvalidAMIID.NotFound` …), or undefined for other errors. */
export function awsErrorCode(error: unknown): string | undefined {
  if (!isAwsError(error)) return undefined;
  return (error as { Code?: string }).Code ?? error.name;
}

/** The HTTP status AWS answered with, when the error came from an answer. */
export function httpStatus(error: unknown): number | undefined {
  return isAwsError(error) ? error.$metadata?.httpStatusCode : undefined;
}

/**
 * What an AWS answer was, for deciding what to do about it: its error code, or `HTTP 403` when the
 * answer carried none (S3 answers HEAD requests without a body, so the SDK names them "Unknown").
 */
export function errorKey(error: unknown): string | undefined {
  const code = awsErrorCode(error);
  const status = httpStatus(error);
  if ((code === undefined || code === 'Unknown') && status !== undefined) return `HTTP ${status}`;
  return code;
}

/**
 * One line for logs and step failures:
 * `InvalidAMIID.NotFound: The image id '[ami-1]' does not exist (HTTP 400, request id 7f3c…)`.
 */
export function describeError(error: unknown): string {
  if (isAwsError(error)) {
    const details = [
      error.$metadata?.httpStatusCode !== undefined ? `HTTP ${error.$metadata.httpStatusCode}` : undefined,
      error.$metadata?.requestId ? `request id ${error.$metadata.requestId}` : undefined,
    ].filter(Boolean);
    const code = errorKey(error);
    const message =
      error.message && error.message !== code && error.message !== 'UnknownError' ? `: ${error.message}` : '';
    return `${code}${message}${details.length > 0 ? ` (${details.join(', ')})` : ''}${whatToDo(error)}`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The operation that threw this AWS error (`codedeploy:CreateDeployment`), when its client named it. */
export function operationOf(error: unknown): string | undefined {
  const operation = (error as { $operation?: unknown } | undefined)?.$operation;
  return typeof operation === 'string' ? operation : undefined;
}

/** What AWS_ERRORS says to do about an error that ends the step, as a sentence after the error. */
function whatToDo(error: unknown): string {
  const operation = operationOf(error);
  if (!operation) return '';
  const decision = decisionFor(operation, errorKey(error));
  const prefix = ` — ${operation.split(':')[1]}: `;
  if (decision?.do === 'fail') return `${prefix}${decision.advice}`;
  if (decision?.do === 'retry')
    return `${prefix}AWS still answered this after the SDK's retries; run again later.`;
  return '';
}

/** Marks the step failed with the formatted error (exit code 1); the stack goes to the debug log. */
export function failStep(error: unknown, context?: string): void {
  if (error instanceof Error && error.stack) core.debug(error.stack);
  core.setFailed(context ? `${context}: ${describeError(error)}` : describeError(error));
}
