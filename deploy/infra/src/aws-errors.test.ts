import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ANY_OTHER, AWS_ERRORS } from '@dealership/actions/aws-errors';
import { describe, expect, it } from 'vitest';
import { documentedErrors } from './aws-errors.js';
import { apiOperationsOfAction, mergeOperations } from './aws-operations.js';
import { actionsDir } from './repo.js';

// Every AWS operation the actions call, read from the code of every action folder.
const ACTIONS = readdirSync(actionsDir).filter((name) => existsSync(join(actionsDir, name, 'action.yml')));
const called = mergeOperations(...ACTIONS.map(apiOperationsOfAction));

describe('the AWS error table (actions/lib/aws-errors.ts) against the installed SDK', () => {
  it('reads the calls from the code and the errors from the SDK', () => {
    expect(called.map((op) => op.action)).toEqual(
      expect.arrayContaining([
        'codedeploy:ListDeploymentTargets',
        's3:HeadObject',
        'autoscaling:StartInstanceRefresh',
      ]),
    );
    expect(documentedErrors('codedeploy:ListDeploymentTargets')).toContain('DeploymentNotStartedException');
    expect(documentedErrors('s3:HeadObject')).toEqual([ANY_OTHER, 'NotFound']);
  });

  it('decides every error the SDK documents for every operation called (a missing row is named here)', () => {
    const missing = called.flatMap((op) =>
      documentedErrors(op.action)
        .filter((error) => !(error in (AWS_ERRORS[op.action] ?? {})))
        .map((error) => `${op.action} ${error} (called from ${op.calledFrom.join(', ')})`),
    );
    expect(missing).toEqual([]);
  });

  it('has a * row for every operation (what the model does not name: AccessDenied, …)', () => {
    expect(
      Object.entries(AWS_ERRORS)
        .filter(([, rows]) => !(ANY_OTHER in rows))
        .map(([op]) => op),
    ).toEqual([]);
  });

  it('has no rows for operations nobody calls, and cites its source for every row the model does not name', () => {
    const calledNames = new Set(called.map((op) => op.action));
    expect(Object.keys(AWS_ERRORS).filter((op) => !calledNames.has(op))).toEqual([]);
    const unsourced = Object.entries(AWS_ERRORS).flatMap(([op, rows]) => {
      const documented = new Set(documentedErrors(op));
      return Object.entries(rows)
        .filter(([error, decision]) => !documented.has(error) && error !== ANY_OTHER && !decision.source)
        .map(([error]) => `${op} ${error}`);
    });
    expect(unsourced).toEqual([]);
  });
});
