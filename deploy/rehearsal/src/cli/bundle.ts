import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildBundle, currentCommit, defaultBundlePath } from '../bundle/build.js';
import { runMain } from './main.js';

const USAGE = `npm run bundle -- [--commit SHA] [--out FILE.zip] [--no-build] [--sqlite3]
Builds the CodeDeploy revision (a zip) and prints its path. The service is compiled from its sources
into a few files; --no-build skips type-checking it first (npm run build -w service) when CI already
has. --sqlite3 also ships the embedded database's native driver (for a rehearsal without MySQL).`;

await runMain(USAGE, async () => {
  const { values } = parseArgs({
    options: {
      commit: { type: 'string' },
      out: { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      sqlite3: { type: 'boolean', default: false },
    },
  });
  const commit = values.commit ?? (await currentCommit());
  const outFile = values.out
    ? resolve(process.env.INIT_CWD ?? process.cwd(), values.out)
    : defaultBundlePath(commit, values.sqlite3);
  const bundle = await buildBundle({
    commit,
    outFile,
    typeCheck: !values['no-build'],
    sqlite3: values.sqlite3,
  });
  console.error(
    `revision ${bundle.commit}: ${bundle.entries} files (${bundle.shippedFiles} in service/node_modules), ` +
      `${bundle.bytes} bytes, sha256 ${bundle.sha256}`,
  );
  console.log(bundle.file);
});
