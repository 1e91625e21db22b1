import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildBundle, currentCommit, defaultBundlePath } from '../bundle/build.js';
import { runMain } from './main.js';

const USAGE = `npm run bundle -- [--commit SHA] [--out FILE.zip] [--no-build]
Builds the CodeDeploy revision (a zip) and prints its path.`;

await runMain(USAGE, async () => {
  const { values } = parseArgs({
    options: {
      commit: { type: 'string' },
      out: { type: 'string' },
      'no-build': { type: 'boolean', default: false },
    },
  });
  const commit = values.commit ?? (await currentCommit());
  const outFile = values.out
    ? resolve(process.env.INIT_CWD ?? process.cwd(), values.out)
    : defaultBundlePath(commit);
  const bundle = await buildBundle({ commit, outFile, buildService: !values['no-build'] });
  console.error(
    `revision ${bundle.commit}: ${bundle.entries} files, ${bundle.bytes} bytes, sha256 ${bundle.sha256}`,
  );
  console.log(bundle.file);
});
