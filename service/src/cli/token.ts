import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { Database } from '../db/database.js';
import type { Role } from '../db/models.js';
import { prepareDatabase } from '../db/prepare.js';
import { DomainError } from '../domain/errors.js';
import { issueToken, ROLES, revokeToken } from '../domain/tokens.js';
import { createCliLogger } from '../logger.js';
import { exitOnStartupError } from '../process.js';

const USAGE = `usage:
  token create --role admin|sales|service --name NAME   prints {"id","token","role","name"}; the token is shown once
  token revoke ID                                        the token stops working at once`;

class UsageError extends Error {}

function parseCommand(
  argv: string[],
): { command: 'create'; role: Role; name: string } | { command: 'revoke'; id: number } {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { role: { type: 'string' }, name: { type: 'string' } },
  });
  const [command, ...rest] = positionals;
  if (command === 'create' && rest.length === 0) {
    if (!ROLES.includes(values.role as Role)) {
      throw new UsageError(
        `--role must be one of ${ROLES.join(', ')}; got ${JSON.stringify(values.role ?? '')}`,
      );
    }
    const name = values.name?.trim() ?? '';
    if (name === '' || name.length > 100)
      throw new UsageError(`--name must be 1 to 100 characters; got ${JSON.stringify(values.name ?? '')}`);
    return { command, role: values.role as Role, name };
  }
  if (command === 'revoke' && rest.length === 1 && values.role === undefined && values.name === undefined) {
    if (!/^[1-9]\d{0,9}$/.test(rest[0]!))
      throw new UsageError(`ID must be a token id (a positive whole number); got ${JSON.stringify(rest[0])}`);
    return { command, id: Number(rest[0]) };
  }
  throw new UsageError('expected create or revoke');
}

async function run(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCommand>;
  try {
    parsed = parseCommand(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  const logger = createCliLogger(config.logLevel);
  const db = new Database({ ...config, replicas: [] }, logger);
  try {
    await prepareDatabase(db, config, logger);
    if (parsed.command === 'create') {
      process.stdout.write(`${JSON.stringify(await issueToken(db, parsed))}\n`);
    } else {
      await revokeToken(db, parsed.id);
      process.stdout.write(`${JSON.stringify({ id: parsed.id, revoked: true })}\n`);
    }
    return 0;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  } finally {
    await db.close();
  }
}

run(process.argv.slice(2)).then((code) => process.exit(code), exitOnStartupError);
