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

/**
 * Time since boot (/proc/uptime, 10 ms resolution), in milliseconds: the clock a process's start time
 * (startTicks) counts on, so their difference is its age. (/proc/stat's `btime` is the boot time
 * truncated to whole seconds: a wall-clock start time made from it is early by up to a second.)
 */
export async function uptimeMs(): Promise<number> {
  const seconds = Number((await readFile('/proc/uptime', 'utf8')).split(' ')[0]);
  if (!Number.isFinite(seconds)) throw new Error('/proc/uptime does not start with a number of seconds');
  return seconds * 1000;
}

/** How long ago a process started, from its startTicks and /proc/uptime, in milliseconds. */
export async function ageMs(stat: ProcStat): Promise<number> {
  return (await uptimeMs()) - (stat.startTicks * 1000) / CLOCK_TICKS_PER_SECOND;
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
