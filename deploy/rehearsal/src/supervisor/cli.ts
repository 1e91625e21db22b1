import { runMain } from '../cli/main.js';
import { Supervisor } from './supervisor.js';

const USAGE = `supervisor VERB [--quiet] UNIT   (VERB: is-active, start, stop, restart, enable, daemon-reload)
supervisor run UNIT CMD [ARGS...]
The rehearsal's systemctl: runs UNIT from $DEALERSHIP_ROOT/etc/systemd/system inside $DEALERSHIP_ROOT.`;

await runMain(USAGE, async () => {
  const root = process.env.DEALERSHIP_ROOT;
  if (!root) throw new Error('DEALERSHIP_ROOT must name the instance root the supervisor works in');
  const supervisor = new Supervisor(root);
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
    case 'run':
      process.exitCode = await supervisor.run(unit, args.slice(1));
      return;
    default:
      throw new Error(`unknown verb ${JSON.stringify(verb)}\nusage: ${USAGE}`);
  }
});
