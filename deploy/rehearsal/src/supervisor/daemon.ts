import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { REHEARSAL_DIST } from '../paths.js';

/** The daemon's socket, in the instance's supervisor state folder (outside the namespace's binds, so the same path inside and out). */
export const supervisorSocket = (stateDir: string) => join(stateDir, SOCKET_NAME);
const SOCKET_NAME = 'supervisor.sock';

/**
 * The rehearsal's `systemctl` and `systemd-run`, as deploy/hooks/lib.sh's `supervisor` calls them
 * (DEALERSHIP_REHEARSAL_SUPERVISOR): a small bash script that hands its arguments to the instance's
 * daemon over its socket and exits with the status the daemon answers. The verb's output, and that of
 * the command `run` starts, come back through two FIFOs the script copies to its own stdout and stderr
 * (systemd-run --pipe hands the command its caller's streams; the agent gives its scripts sockets,
 * which cannot be reopened through /proc). On EC2 these are systemd's own commands; here a call costs
 * a curl and a few small programs rather than a Node start.
 */
export const SUPERVISOR_CLIENT = `#!/bin/bash
set -o pipefail
socket=\${DEALERSHIP_REHEARSAL_STATE:?names the supervisor state folder of the instance}/${SOCKET_NAME}
fifos=$(mktemp -d) || exit 1
trap 'rm -rf "$fifos"' EXIT
mkfifo "$fifos/out" "$fifos/err" || exit 1
# Held open (reading and writing, which never blocks) until the daemon has answered, so that a copy
# below never waits for a writer that has come and gone, and ends once all that was written is out.
exec 3<>"$fifos/out" 4<>"$fifos/err"
cat <"$fifos/out" 3>&- 4>&- &
cat <"$fifos/err" >&2 3>&- 4>&- &
status=$(printf '%s\\0' "$fifos" "$@" |
  curl --silent --show-error --fail-with-body --unix-socket "$socket" --data-binary @- http://supervisor/)
answered=$?
exec 3>&- 4>&-
wait
if ((answered != 0)); then
  echo "supervisor: the rehearsal's supervisor at $socket did not answer: $status" >&2
  exit 1
fi
exit "$status"
`;

/**
 * The rehearsal's systemd for one instance (daemon-cli.ts): one Node process, started once, entered
 * into the instance's mount namespace (so the units it reads are the instance's, and the service it
 * starts lives there, as the agent's hooks do), answering the client above. It stops when asked, or
 * when the rehearsal's process ends (its stdin closes). Units and pid files are on disk, so the
 * rehearsal's own Supervisor and the daemon see the same state.
 */
export class SupervisorDaemon {
  private stderr = '';
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
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
        '--socket',
        supervisorSocket(options.stateDir),
      ],
      { cwd: '/', stdio: 'pipe' },
    );
    const daemon = new SupervisorDaemon(child);
    const ready = await new Promise<boolean>((resolve) => {
      const lines = createInterface({ input: child.stdout });
      lines.once('line', (line) => resolve(line === 'ready'));
      child.once('exit', () => resolve(false));
      child.once('error', () => resolve(false));
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
