import { readdir, readFile, readlink } from 'node:fs/promises';

/**
 * A process as the kernel accounts for it, from /proc/PID/stat (proc(5)): the fields after the
 * parenthesised command name, whose first is the state (field 3).
 */
export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  /** Time on the CPU in user and in kernel mode, in clock ticks (fields 14 and 15). */
  utimeTicks: number;
  stimeTicks: number;
  /** When the process started, in clock ticks after boot (field 22). */
  startTicks: number;
}

/** proc(5): utime, stime and starttime are in clock ticks, sysconf(_SC_CLK_TCK), which is 100 on Linux. */
export const CLOCK_TICKS_PER_SECOND = 100;

/** A process's /proc/PID/stat; undefined once it has exited (or is a zombie, which no longer runs). */
export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses: the fields start after its last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0]!;
  if (state === 'Z' || state === 'X') return undefined;
  return {
    pid,
    state,
    ppid: Number(fields[1]),
    utimeTicks: Number(fields[11]),
    stimeTicks: Number(fields[12]),
    startTicks: Number(fields[19]),
  };
}

/** The boot time (/proc/stat `btime`), in milliseconds since the epoch. */
export async function bootTimeMs(): Promise<number> {
  const match = /^btime (\d+)$/m.exec(await readFile('/proc/stat', 'utf8'));
  if (!match) throw new Error('/proc/stat has no btime line');
  return Number(match[1]) * 1000;
}

/** A process's mount namespace (the /proc/PID/ns/mnt link, e.g. `mnt:[4026532]`); undefined once it has exited. */
export async function mountNamespace(pid: number): Promise<string | undefined> {
  try {
    return await readlink(`/proc/${pid}/ns/mnt`);
  } catch {
    return undefined;
  }
}

/** Every process on the machine by mount namespace. */
export async function processesByMountNamespace(): Promise<Map<string, number[]>> {
  const byNamespace = new Map<string, number[]>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const namespace = await mountNamespace(Number(name));
    if (namespace === undefined) continue;
    const pids = byNamespace.get(namespace) ?? [];
    pids.push(Number(name));
    byNamespace.set(namespace, pids);
  }
  return byNamespace;
}
