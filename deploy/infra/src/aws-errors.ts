/**
 * The error space AWS's own models give each operation the pipeline calls: the exceptions the
 * INSTALLED SDK documents for the operation's command (the `@throws {@link X}` of
 * `@aws-sdk/client-*\/dist-types/commands/<Operation>Command.d.ts`; the aws CLI the pipeline scripts
 * run is generated from the same service models). The client's base `…ServiceException` stands for
 * "anything else" and is the table's `*` row.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ANY_OTHER, AWS_CLIENTS } from '@dealership/actions/aws-errors';
import { actionsDir } from './repo.js';

const require = createRequire(join(actionsDir, 'package.json'));

/** The command declaration file of one API operation (`codedeploy:CreateDeployment`) in the installed SDK. */
export function commandDeclaration(apiOperation: string): string {
  const [service, operation] = apiOperation.split(':') as [string, string];
  const client = AWS_CLIENTS.find((c) => c.service === service);
  if (!client) throw new Error(`${apiOperation}: no SDK client for service ${service} in AWS_CLIENTS`);
  const entry = require.resolve(`@aws-sdk/${client.sdk}`);
  return join(dirname(entry), '..', 'dist-types', 'commands', `${operation}Command.d.ts`);
}

/** The exceptions the installed SDK documents for one API operation, `*` for its base exception. */
export function documentedErrors(apiOperation: string): string[] {
  const text = readFileSync(commandDeclaration(apiOperation), 'utf8');
  // `@throws {@link X} (client fault)` for a modeled error; the client's base exception has no fault.
  const thrown = [...text.matchAll(/@throws \{@link (\w+)\}( \((?:client|server) fault\))?/g)];
  if (thrown.length === 0)
    throw new Error(`${apiOperation}: its command documents no @throws (SDK layout changed?)`);
  return [...new Set(thrown.map(([, name, fault]) => (fault ? name! : ANY_OTHER)))].sort();
}
