import { spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { groupId, primaryGroupId, userId } from '../accounts.js';
import { readProcStat } from '../proc.js';
import { parseEnvironmentFile, readServiceUnit, type ServiceUnit } from './unit-file.js';

/** What a running unit's pid file records, so that stopping it needs nothing else. */
interface MainProcess {
  pid: number;
  startTime: string;
  killSignal: NodeJS.Signals;
  timeoutStopSeconds: number;
}

/**
 * The rehearsal's stand-in for systemd. It runs a unit from /etc/systemd/system (inside the instance's
 * mount namespace, that instance's own) with the unit's Environment=, EnvironmentFile=,
 * WorkingDirectory=, User= and Group=, every path as written. The process is detached into its own
 * session, its output goes to STATE/UNIT.log (journald's part), and stop sends KillSignal, then
 * SIGKILL to the group after TimeoutStopSec. Not rehearsed: the sandboxing directives and Restart= (a
 * service that exits stays down, which ValidateService reports).
 */
export class Supervisor {
  constructor(
    /** Where pid files and logs go: a folder of the instance's, outside the namespace's binds. */
    private readonly stateDir: string,
    private readonly unitDir = '/etc/systemd/system',
  ) {}

  private pidPath(unit: string) {
    return join(this.stateDir, `${unit}.pid`);
  }
  logPath(unit: string) {
    return join(this.stateDir, `${unit}.log`);
  }

  private async load(unit: string): Promise<ServiceUnit> {
    const path = join(this.unitDir, unit);
    if (!existsSync(path)) throw new Error(`unit ${unit} is not installed (${path} is missing)`);
    return readServiceUnit(path);
  }

  /** The environment systemd would give the unit: Environment=, then EnvironmentFile= (which wins). */
  private async environment(unit: ServiceUnit): Promise<NodeJS.ProcessEnv> {
    // systemd's fixed PATH for services, and the folder of the Node running the rehearsal for a machine
    // whose Node is elsewhere (on the image it is /usr/bin/node).
    const path = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin'];
    if (!path.includes(dirname(process.execPath))) path.push(dirname(process.execPath));
    const env: NodeJS.ProcessEnv = { PATH: path.join(':'), LANG: 'C.UTF-8' };
    for (const [name, value] of unit.environment) env[name] = value;
    for (const file of unit.environmentFiles) {
      if (!existsSync(file.path)) {
        if (file.optional) continue;
        throw new Error(`EnvironmentFile ${file.path} is missing`);
      }
      for (const [name, value] of parseEnvironmentFile(await readFile(file.path, 'utf8'), file.path)) {
        env[name] = value;
      }
    }
    return env;
  }

  /** User= and Group= as the uid and gid the process runs with; root when the unit names none. */
  private credentials(unit: ServiceUnit): { uid?: number; gid?: number } {
    if (unit.user === undefined) return {};
    return {
      uid: userId(unit.user),
      gid: unit.group === undefined ? primaryGroupId(unit.user) : groupId(unit.group),
    };
  }

  private async spawnOptions(unit: ServiceUnit) {
    return {
      cwd: unit.workingDirectory ?? '/',
      env: await this.environment(unit),
      ...this.credentials(unit),
    };
  }

  private async readMainProcess(unit: string): Promise<MainProcess | undefined> {
    try {
      return JSON.parse(await readFile(this.pidPath(unit), 'utf8')) as MainProcess;
    } catch {
      return undefined;
    }
  }

  /** The running main process, if any (a pid file whose process is alive and is the one we started). */
  async mainPid(unit: string): Promise<number | undefined> {
    const recorded = await this.readMainProcess(unit);
    if (recorded === undefined) return undefined;
    const current = await processStart(recorded.pid);
    return current !== undefined && current === recorded.startTime ? recorded.pid : undefined;
  }

  async isActive(unit: string): Promise<boolean> {
    return (await this.mainPid(unit)) !== undefined;
  }

  async start(unit: string): Promise<void> {
    if (await this.isActive(unit)) return;
    const spec = await this.load(unit);
    const [program, ...args] = spec.execStart;
    // The image installs Node as /usr/bin/node (provision.sh); a machine without one (a GitHub runner,
    // a developer's) runs the unit with the Node running the rehearsal instead.
    const executable = program === '/usr/bin/node' && !existsSync(program) ? process.execPath : program!;
    await mkdir(this.stateDir, { recursive: true });
    const log = openSync(this.logPath(unit), 'a');
    const child = spawn(executable, args, {
      ...(await this.spawnOptions(spec)),
      detached: true,
      stdio: ['ignore', log, log],
    });
    // Type=exec: started once the program is executing.
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) =>
        reject(new Error(`${unit}: cannot execute ${executable}: ${error.message}`)),
      );
    });
    child.unref();
    const record: MainProcess = {
      pid: child.pid!,
      startTime: (await processStart(child.pid!)) ?? '',
      killSignal: spec.killSignal,
      timeoutStopSeconds: spec.timeoutStopSeconds,
    };
    await writeFile(this.pidPath(unit), JSON.stringify(record));
  }

  /**
   * KillMode=mixed: KillSignal to the main process; after TimeoutStopSec, SIGKILL to its whole group.
   * `warn` gets the line systemctl would print when it has to kill.
   */
  async stop(unit: string, warn = (line: string): void => void process.stderr.write(line)): Promise<void> {
    const recorded = await this.readMainProcess(unit);
    const pid = await this.mainPid(unit);
    if (recorded !== undefined && pid !== undefined) {
      signal(pid, recorded.killSignal);
      const deadline = Date.now() + recorded.timeoutStopSeconds * 1000;
      while ((await this.isActive(unit)) && Date.now() < deadline) await sleep(10);
      if (await this.isActive(unit)) {
        warn(`${unit}: still running after TimeoutStopSec=${recorded.timeoutStopSeconds}; killing it\n`);
        signal(-pid, 'SIGKILL');
        while (await this.isActive(unit)) await sleep(50);
      }
    }
    await rm(this.pidPath(unit), { force: true });
  }

  /** What `systemctl enable` records: the unit wanted by multi-user.target. */
  async enable(unit: string): Promise<void> {
    const wants = join(this.unitDir, 'multi-user.target.wants');
    await mkdir(wants, { recursive: true });
    await rm(join(wants, unit), { force: true });
    await symlink(join('..', unit), join(wants, unit));
  }

  /**
   * systemd-run's part: a command as UNIT runs (its user, environment and directory), with `envFiles`
   * read after the unit's own (systemd-run's `-EnvironmentFile=`); returns its exit code. `caller.output`
   * gets each line the command writes to stdout (1) or stderr (2), which systemd-run --pipe hands to its
   * caller (without it, the command shares this process's streams); `caller.gone` ends the command
   * (SIGTERM) when the caller is gone.
   */
  async run(
    unit: string,
    argv: readonly string[],
    envFiles: readonly string[] = [],
    caller: { output?: (stream: 1 | 2, line: string) => void; gone?: AbortSignal } = {},
  ): Promise<number> {
    const [executable, ...args] = argv;
    if (executable === undefined) throw new Error(`run ${unit} needs a command`);
    const spec = await this.load(unit);
    const withExtra = {
      ...spec,
      environmentFiles: [...spec.environmentFiles, ...envFiles.map((path) => ({ path, optional: true }))],
    };
    const { output, gone } = caller;
    const child = spawn(executable, args, {
      ...(await this.spawnOptions(withExtra)),
      // The agent closes its scripts' stdin at once: the command reads an empty one.
      stdio: output === undefined ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    if (output !== undefined) {
      createInterface({ input: child.stdout! }).on('line', (line) => output(1, line));
      createInterface({ input: child.stderr! }).on('line', (line) => output(2, line));
    }
    const end = () => child.kill('SIGTERM');
    gone?.addEventListener('abort', end, { once: true });
    return new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, killedBy) => resolve(code ?? (killedBy ? 128 : 1)));
    }).finally(() => gone?.removeEventListener('abort', end));
  }
}

function signal(pid: number, name: NodeJS.Signals) {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** A process's start time from /proc (to tell it from a later process given the same pid); undefined once it has exited. */
async function processStart(pid: number): Promise<string | undefined> {
  const stat = await readProcStat(pid);
  return stat === undefined ? undefined : String(stat.startTicks);
}
