import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { groupId, SERVICE_ACCOUNT } from './accounts.js';
import type { Bind } from './namespace.js';

/**
 * What each rehearsal instance has of its own, mounted over the same absolute paths in its mount
 * namespace: the install directory's parent, the configuration, the systemd units and the agent's
 * root (its deployment archives and instructions). Everything else is the machine's.
 */
const INSTANCE_PATHS = ['/opt/dealership', '/etc/dealership', '/etc/systemd/system', '/opt/codedeploy-agent'];

/** The binds that give an instance rooted at `root` its own copy of INSTANCE_PATHS. */
export const instanceBinds = (root: string): Bind[] =>
  INSTANCE_PATHS.map((target) => ({ source: join(root, target), target }));

/**
 * Lays out an instance as deploy/image/provision.sh leaves one, under `root`: /opt/dealership,
 * /opt/dealership/app and /etc/dealership owned root:dealership 0750 (provision.sh's `install -d -o root
 * -g dealership -m 0750`), an empty /etc/systemd/system and /opt/codedeploy-agent. The account must
 * exist (accounts.ts ensureServiceAccount).
 */
export async function provisionInstance(root: string): Promise<Bind[]> {
  const serviceGroup = groupId(SERVICE_ACCOUNT);
  for (const path of ['/opt/dealership', '/opt/dealership/app', '/etc/dealership']) {
    const dir = join(root, path);
    await mkdir(dir, { recursive: true, mode: 0o750 });
    await chown(dir, 0, serviceGroup);
  }
  for (const path of ['/etc/systemd/system', '/opt/codedeploy-agent']) {
    await mkdir(join(root, path), { recursive: true, mode: 0o755 });
  }
  return instanceBinds(root);
}
