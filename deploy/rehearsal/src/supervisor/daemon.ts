import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { REHEARSAL_DIST } from '../paths.js';

/**
 * Where the daemon's port and token are (root's only), in the instance's supervisor state folder:
 * outside the namespace's binds, so the same path inside and out.
 */
export const supervisorAddress = (stateDir: string) => join(stateDir, ADDRESS_NAME);
const ADDRESS_NAME = 'supervisor.address';

/**
 * The rehearsal's `systemctl` and `systemd-run`, as deploy/hooks/lib.sh's `supervisor` calls them
 * (DEALERSHIP_REHEARSAL_SUPERVISOR): a bash script that sends its arguments to the instance's daemon
 * with the daemon's token (bash's own /dev/tcp: no program is started), prints each line of output the
 * daemon sends back on its own stdout or stderr — for `run`, the command's own, as systemd-run --pipe
 * hands the command its caller's streams — and exits with the status the daemon answers. On EC2 these
 * are systemd's own commands; here a call costs a bash start rather than a Node start.
 */
export const SUPERVISOR_CLIENT = `#!/bin/bash
address=\${DEALERSHIP_REHEARSAL_STATE:?names the supervisor state folder of the instance}/${ADDRESS_NAME}
read -r port token <"$address" || {
  echo "supervisor: no rehearsal supervisor daemon is listening ($address is unreadable)" >&2
  exit 1
}
exec 5<>"/dev/tcp/127.0.0.1/$port" || {
  echo "supervisor: the rehearsal's supervisor daemon at 127.0.0.1:$port does not answer" >&2
  exit 1
}
printf '%s\\0' "$token" "$#" "$@" >&5
while IFS= read -r line <&5; do
  case $line in
    "1 "*) printf '%s\\n' "\${line#1 }" ;;
    "2 "*) printf '%s\\n' "\${line#2 }" >&2 ;;
    "= "*) exit "\${line#= }" ;;
  esac
done
echo "supervisor: the rehearsal's supervisor daemon closed without an answer" >&2
exit 1
`;

/**
 * The rehearsal's systemd for one instance (daemon-cli.ts): one Node process, started once, entered
 * into the instance's mount namespace (so the units it reads are the instance's, and the service it
 * starts lives there, as the agent's hooks do), answering the client above on 127.0.0.1 to whoever
 * has its token. It stops when asked, or when the rehearsal's process ends (its stdin closes). Units
 * and pid files are on disk, so the rehearsal's own Supervisor and the daemon see the same state.
 */
export class SupervisorDaemon {
  private stderr = '';
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      // A child that could not be spawned (no nsenter) emits no exit.
      child.once('error', () => resolve());
    });
  }

  /** Starts it in the mount namespace of `namespacePid` (an instance's agent) and waits until it listens. */
  static async start(options: { namespacePid: number; stateDir: string }): Promise<SupervisorDaemon> {
    await waitForOwnMountNamespace(options.namespacePid);
    const child = spawn(
      'nsenter',
      [
        `--target=${options.namespacePid}`,
        '--mount',
        '--',
        process.execPath,
        join(REHEARSAL_DIST, 'supervisor', 'daemon-cli.js'),
        '--state',
        options.stateDir,
        '--address',
        supervisorAddress(options.stateDir),
      ],
      { cwd: '/', stdio: 'pipe' },
    );
    const daemon = new SupervisorDaemon(child);
    const ready = await new Promise<boolean>((resolve) => {
      const lines = createInterface({ input: child.stdout });
      lines.once('line', (line) => resolve(line === 'ready'));
      child.once('exit', () => resolve(false));
      child.once('error', (error) => {
        daemon.stderr += `cannot run nsenter: ${error.message}`;
        resolve(false);
      });
    });
    if (!ready) {
      await daemon.stop();
      throw new Error(`the supervisor daemon did not start:\n${daemon.stderr.trim()}`);
    }
    return daemon;
  }

  /** Ends it (its stdin closes) and waits for it. */
  async stop(): Promise<void> {
    this.child.stdin.end();
    await this.exited;
  }
}

/**
 * Waits until the process has its own mount namespace: `unshare` makes it only once it runs, and
 * nsenter would otherwise enter this machine's.
 */
async function waitForOwnMountNamespace(pid: number): Promise<void> {
  const ours = readlinkSync('/proc/self/ns/mnt');
  const deadline = Date.now() + 10_000;
  for (;;) {
    let theirs: string;
    try {
      theirs = readlinkSync(`/proc/${pid}/ns/mnt`);
    } catch {
      throw new Error(`process ${pid} exited before it had a mount namespace of its own`);
    }
    if (theirs !== ours) return;
    if (Date.now() > deadline) throw new Error(`process ${pid} has no mount namespace of its own after 10 s`);
    await sleep(5);
  }
}
