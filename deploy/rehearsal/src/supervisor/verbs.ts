import type { Supervisor } from './supervisor.js';

export const USAGE = `supervisor VERB [--quiet] UNIT   (VERB: is-active, start, stop, restart, enable, daemon-reload)
supervisor run UNIT [--property=EnvironmentFile=-FILE]... CMD [ARGS...]   (as systemd-run's: FILE read after the unit's, if it exists)
The rehearsal's systemctl: runs UNIT from /etc/systemd/system (the instance's own, in its mount
namespace); pid files and logs go to $DEALERSHIP_REHEARSAL_STATE.`;

/** Where a verb's caller is: its stdout (1) and stderr (2), line by line, and whether it is still there. */
export interface Caller {
  output(stream: 1 | 2, line: string): void;
  /** Aborted when the caller is gone: `run` then ends its command. */
  gone?: AbortSignal;
}

/** Text to the caller, a line at a time (a last line without a newline still ends one). */
const write = (caller: Caller, stream: 1 | 2, text: string) => {
  for (const line of text.replace(/\n$/, '').split('\n')) caller.output(stream, line);
};

/**
 * One call of deploy/hooks/lib.sh's `supervisor` (systemctl's verbs, and systemd-run's `run`), as
 * systemctl answers it: the exit status (is-active: 0 active, 3 inactive; run: the command's), its
 * output written to the caller. An error is printed as `error: …` with status 1.
 */
export async function runVerb(
  supervisor: Supervisor,
  argv: readonly string[],
  caller: Caller,
): Promise<number> {
  try {
    return await verb(supervisor, argv, caller);
  } catch (error) {
    write(caller, 2, `error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

async function verb(supervisor: Supervisor, argv: readonly string[], caller: Caller): Promise<number> {
  const [verb, ...rest] = argv;
  const args = rest.filter((arg) => arg !== '--quiet');
  const unit = args[0];
  if (verb === 'daemon-reload') return 0; // units are read afresh on every start
  if (unit === undefined) throw new Error(`${verb ?? '(no verb)'} needs a unit name\nusage: ${USAGE}`);
  switch (verb) {
    case 'is-active': {
      const active = await supervisor.isActive(unit);
      if (!rest.includes('--quiet')) write(caller, 1, active ? 'active' : 'inactive');
      return active ? 0 : 3;
    }
    case 'start':
      await supervisor.start(unit);
      return 0;
    case 'stop':
      await supervisor.stop(unit, (text) => write(caller, 2, text));
      return 0;
    case 'restart':
      await supervisor.stop(unit, (text) => write(caller, 2, text));
      await supervisor.start(unit);
      return 0;
    case 'enable':
      await supervisor.enable(unit);
      return 0;
    case 'run': {
      // systemd-run's property, the one the hooks pass.
      let command = args.slice(1);
      const envFiles: string[] = [];
      while (command[0]?.startsWith('--property=')) {
        const file = /^--property=EnvironmentFile=-(\/.+)$/.exec(command[0])?.[1];
        if (file === undefined) throw new Error(`unsupported ${command[0]}\nusage: ${USAGE}`);
        envFiles.push(file);
        command = command.slice(1);
      }
      return supervisor.run(unit, command, envFiles, { output: caller.output, gone: caller.gone });
    }
    default:
      throw new Error(`unknown verb ${JSON.stringify(verb)}\nusage: ${USAGE}`);
  }
}
