import { describe, expect, it } from 'vitest';
import { awsErrorCode, describeError, errorKey } from './errors.js';
import { InputError } from './inputs.js';

/** The shape the SDK gives service errors. */
function awsError(name: string, message: string, metadata: object, extra: object = {}) {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: metadata, ...extra });
}

describe('describeError', () => {
  it('shows an AWS error with its code, HTTP status and request id', () => {
    const error = awsError('InvalidAMIID.NotFound', "The image id '[ami-1]' does not exist", {
      httpStatusCode: 400,
      requestId: '7f3c-11',
    });
    expect(describeError(error)).toBe(
      "InvalidAMIID.NotFound: The image id '[ami-1]' does not exist (HTTP 400, request id 7f3c-11)",
    );
    expect(awsErrorCode(error)).toBe('InvalidAMIID.NotFound');
  });

  it('prefers the EC2 Code field and leaves out what is unknown', () => {
    const error = awsError('Unknown', 'UnknownError', {}, { Code: 'RequestLimitExceeded' });
    expect(describeError(error)).toBe('RequestLimitExceeded');
  });

  it('names an answer without a code by its HTTP status (S3 answers HEAD requests without a body)', () => {
    const error = awsError('Unknown', 'UnknownError', { httpStatusCode: 403, requestId: 'r-1' });
    expect(errorKey(error)).toBe('HTTP 403');
    expect(describeError(error)).toBe('HTTP 403 (HTTP 403, request id r-1)');
  });

  it('adds what to do from AWS_ERRORS when the client named the operation', () => {
    const error = awsError(
      'DeploymentGroupDoesNotExistException',
      'No Deployment Group found for name: web',
      {
        httpStatusCode: 400,
      },
    );
    Object.defineProperty(error, '$operation', { value: 'codedeploy:CreateDeployment' });
    expect(describeError(error)).toBe(
      'DeploymentGroupDoesNotExistException: No Deployment Group found for name: web (HTTP 400) — ' +
        'CreateDeployment: No deployment group of that name in the application: check the "deployment-group" ' +
        'input (the stack output DeploymentGroup).',
    );
  });

  it('shows other errors by their message', () => {
    expect(describeError(new InputError('keep-images', '-1', 'must be a whole number of at least 0'))).toBe(
      'Input "keep-images" must be a whole number of at least 0; got "-1".',
    );
    expect(describeError('plain')).toBe('plain');
    expect(awsErrorCode(new Error('x'))).toBeUndefined();
  });
});
