import { spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseEnvironmentFile, readServiceUnit, type ServiceUnit } from './unit-file.js';

/**
 * The rehearsal's stand-in for systemd: it runs a unit's ExecStart in the unit's environment, in an
 * instance's directory root. Absolute paths in the unit are taken inside that root; `/usr/bin/node`
 * is the Node running the rehearsal. The process is detached into its own session, its output goes to
 * ROOT/var/log/UNIT.log (journald's part), and stop sends KillSignal, then SIGKILL after TimeoutStopSec.
 * Not rehearsed: User=/Group= and the sandboxing directives (the service runs as the rehearsal's
 * user) and Restart= (a service that exits stays down, which ValidateService reports).
 */
export class Supervisor {
  constructor(private readonly root: string) {}

  private rooted(path: string): string {
    return isAbsolute(path) ? join(this.root, path) : path;
  }
  private unitPath(unit: string) {
    return join(this.root, 'etc/systemd/system', unit);
  }
  private pidPath(unit: string) {
    return join(this.root, 'run', `${unit}.pid`);
  }
  logPath(unit: string) {
    return join(this.root, 'var/log', `${unit}.log`);
  }

  private async load(unit: string): Promise<ServiceUnit> {
    const path = this.unitPath(unit);
    if (!existsSync(path)) throw new Error(`unit ${unit} is not installed (${path} is missing)`);
    return readServiceUnit(path);
  }

  /** The environment systemd would give the unit: Environment=, then EnvironmentFile= (which wins). */
  private async environment(unit: ServiceUnit): Promise<NodeJS.ProcessEnv> {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' };
    for (const [name, value] of unit.environment) env[name] = value;
    for (const file of unit.environmentFiles) {
      const path = this.rooted(file.path);
      if (!existsSync(path)) {
        if (file.optional) continue;
        throw new Error(`EnvironmentFile ${path} is missing`);
      }
      for (const [name, value] of parseEnvironmentFile(await readFile(path, 'utf8'), path)) env[name] = value;
    }
    return env;
  }

  /** A unit's command line, or (rooted=false) one a hook gave, whose paths are already in the root. */
  private command(argv: readonly string[], rooted: boolean): [string, string[]] {
    const [program, ...args] = rooted ? argv.map((word) => this.rooted(word)) : argv;
    const executable = argv[0] === '/usr/bin/node' || argv[0] === 'node' ? process.execPath : program!;
    return [executable, args];
  }

  /** The running main process, if any (a pid file whose process is alive and is the one we started). */
  async mainPid(unit: string): Promise<number | undefined> {
    let recorded: { pid: number; startTime: string };
    try {
      recorded = JSON.parse(await readFile(this.pidPath(unit), 'utf8'));
    } catch {
      return undefined;
    }
    const current = await processStart(recorded.pid);
    return current !== undefined && current === recorded.startTime ? recorded.pid : undefined;
  }

  async isActive(unit: string): Promise<boolean> {
    return (await this.mainPid(unit)) !== undefined;
  }

  async start(unit: string): Promise<void> {
    if (await this.isActive(unit)) return;
    const spec = await this.load(unit);
    const [executable, args] = this.command(spec.execStart, true);
    await mkdir(dirname(this.logPath(unit)), { recursive: true });
    const log = openSync(this.logPath(unit), 'a');
    const child = spawn(executable, args, {
      cwd: spec.workingDirectory ? this.rooted(spec.workingDirectory) : this.root,
      env: await this.environment(spec),
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
    const startTime = await processStart(child.pid!);
    await mkdir(dirname(this.pidPath(unit)), { recursive: true });
    await writeFile(this.pidPath(unit), JSON.stringify({ pid: child.pid, startTime }));
  }

  /** KillMode=mixed: KillSignal to the main process; after TimeoutStopSec, SIGKILL to its whole group. */
  async stop(unit: string): Promise<void> {
    const pid = await this.mainPid(unit);
    if (pid !== undefined) {
      const spec = await this.load(unit);
      signal(pid, spec.killSignal);
      const deadline = Date.now() + spec.timeoutStopSeconds * 1000;
      while ((await this.isActive(unit)) && Date.now() < deadline) await sleep(50);
      if (await this.isActive(unit)) {
        process.stderr.write(
          `${unit}: still running after TimeoutStopSec=${spec.timeoutStopSeconds}; killing it\n`,
        );
        signal(-pid, 'SIGKILL');
        while (await this.isActive(unit)) await sleep(50);
      }
    }
    await rm(this.pidPath(unit), { force: true });
  }

  /** What `systemctl enable` records: the unit wanted by multi-user.target. */
  async enable(unit: string): Promise<void> {
    const wants = join(this.root, 'etc/systemd/system/multi-user.target.wants');
    await mkdir(wants, { recursive: true });
    await rm(join(wants, unit), { force: true });
    await symlink(join('..', unit), join(wants, unit));
  }

  /** Runs a command with the unit's environment and working directory (systemd-run's part); returns its exit code. */
  async run(unit: string, argv: readonly string[]): Promise<number> {
    const spec = await this.load(unit);
    const [executable, args] = this.command(argv, false);
    const child = spawn(executable, args, {
      cwd: spec.workingDirectory ? this.rooted(spec.workingDirectory) : this.root,
      env: await this.environment(spec),
      stdio: 'inherit',
    });
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, killedBy) => resolve(code ?? (killedBy ? 128 : 1)));
    });
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
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command: state is the 1st, start time the 20th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}
