import { readFileSync } from 'node:fs';
import { runChecked } from './process.js';

/** The service's user and group, which deploy/image/provision.sh creates and appspec.yml's permissions name. */
export const SERVICE_ACCOUNT = 'dealership';

/** A field of the /etc/passwd or /etc/group line whose first field is `name`. */
function lookup(file: string, name: string, field: number): number | undefined {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name && fields[field] !== undefined) return Number(fields[field]);
  }
  return undefined;
}

/**
 * Ruby's Etc.getpwnam(name).uid, which the agent's ChangeOwnerCommand calls (install_instruction.rb);
 * a missing user raises ArgumentError "can't find user for NAME", and so does this.
 */
export function userId(name: string): number {
  const uid = lookup('/etc/passwd', name, 2);
  if (uid === undefined) throw new Error(`can't find user for ${name}`);
  return uid;
}

/** A user's primary group id (systemd's default for Group=). */
export function primaryGroupId(name: string): number {
  const gid = lookup('/etc/passwd', name, 3);
  if (gid === undefined) throw new Error(`can't find user for ${name}`);
  return gid;
}

/** Ruby's Etc.getgrnam(name).gid (install_instruction.rb's ChangeOwnerCommand): "can't find group for NAME". */
export function groupId(name: string): number {
  const gid = lookup('/etc/group', name, 2);
  if (gid === undefined) throw new Error(`can't find group for ${name}`);
  return gid;
}

/**
 * Creates the service account as deploy/image/provision.sh does, when it is missing: the rehearsal
 * applies appspec.yml's owners and runs the service as its unit's User=, so the account must exist.
 * Needs root, as the agent does.
 */
export async function ensureServiceAccount(name = SERVICE_ACCOUNT): Promise<void> {
  try {
    userId(name);
    groupId(name);
    return;
  } catch {
    // created below
  }
  if (process.getuid?.() !== 0) {
    throw new Error(
      `user ${name} does not exist and only root can create it: run the rehearsal and its tests as root ` +
        '(the CodeDeploy agent runs as root too; CI does)',
    );
  }
  await runChecked('useradd', [
    '--system',
    '--user-group',
    '--no-create-home',
    '--home-dir',
    '/var/lib/dealership',
    '--shell',
    '/usr/sbin/nologin',
    name,
  ]);
}
