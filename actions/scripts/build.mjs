// Bundles every action (each folder with an action.yml) into <action>/dist/index.mjs: one ESM file
// with all dependencies, for the runner's node24. Run by `npm run build -w actions`.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const actions = readdirSync(root, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, 'action.yml')))
  .map((entry) => entry.name)
  .sort();

// Bundled CommonJS dependencies call require() for Node built-ins; give the ESM bundle a real one.
const banner =
  "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);";

await Promise.all(
  actions.map((name) =>
    build({
      entryPoints: [join(root, name, 'src', 'index.ts')],
      outfile: join(root, name, 'dist', 'index.mjs'),
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'esm',
      mainFields: ['module', 'main'],
      // Workspace packages (@dealership/revision: the appspec model, the zip writer) are bundled from their TypeScript source.
      conditions: ['source'],
      banner: { js: banner },
      legalComments: 'linked',
      logLevel: 'warning',
    }),
  ),
);
console.log(`built ${actions.length} actions: ${actions.join(', ')}`);
