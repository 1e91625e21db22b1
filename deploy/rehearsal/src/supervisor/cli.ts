import { runMain } from '../cli/main.js';
import { Supervisor } from './supervisor.js';

const USAGE = `supervisor VERB [--quiet] UNIT   (VERB: is-active, start, stop, restart, enable, daemon-reload)
supervisor run UNIT [--property=EnvironmentFile=-FILE]... CMD [ARGS...]   (as systemd-run's: FILE read after the unit's, if it exists)
The rehearsal's systemctl: runs UNIT from /etc/systemd/system (the instance's own, in its mount
namespace); pid files and logs go to $DEALERSHIP_REHEARSAL_STATE.`;

await runMain(USAGE, async () => {
  const state = process.env.DEALERSHIP_REHEARSAL_STATE;
  if (!state) throw new Error('DEALERSHIP_REHEARSAL_STATE must name the folder for pid files and logs');
  const supervisor = new Supervisor(state);
  const [verb, ...rest] = process.argv.slice(2);
  const args = rest.filter((arg) => arg !== '--quiet');
  const unit = args[0];
  if (verb === 'daemon-reload') return; // units are read afresh on every start
  if (unit === undefined) throw new Error(`${verb ?? '(no verb)'} needs a unit name\nusage: ${USAGE}`);
  switch (verb) {
    case 'is-active': {
      const active = await supervisor.isActive(unit);
      if (!rest.includes('--quiet')) console.log(active ? 'active' : 'inactive');
      process.exitCode = active ? 0 : 3;
      return;
    }
    case 'start':
      return supervisor.start(unit);
    case 'stop':
      return supervisor.stop(unit);
    case 'restart':
      await supervisor.stop(unit);
      return supervisor.start(unit);
    case 'enable':
      return supervisor.enable(unit);
    case 'run': {
      // systemd-run's property, the one the hooks pass (not a flag of our own: Node 20 reads a
      // --env-file anywhere in its arguments, even after the script's name).
      let command = args.slice(1);
      const envFiles: string[] = [];
      while (command[0]?.startsWith('--property=')) {
        const file = /^--property=EnvironmentFile=-(\/.+)$/.exec(command[0])?.[1];
        if (file === undefined) throw new Error(`unsupported ${command[0]}\nusage: ${USAGE}`);
        envFiles.push(file);
        command = command.slice(1);
      }
      process.exitCode = await supervisor.run(unit, command, envFiles);
      return;
    }
    default:
      throw new Error(`unknown verb ${JSON.stringify(verb)}\nusage: ${USAGE}`);
  }
});
