// `npm run bench -w actions`: builds the actions (the start-up figure runs the real bundles), compiles
// the benchmark with esbuild and runs it. Dependencies stay external: Node loads them from node_modules.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8'));
execFileSync(process.execPath, [join(here, '..', 'scripts', 'build.mjs')], { stdio: 'inherit' });
// One folder below actions/, like the sources, so paths the code finds relative to itself still hold.
const outfile = join(here, '..', 'dist', 'bench.mjs');
await build({
  entryPoints: [join(here, 'main.ts')],
  outfile,
  bundle: true,
  // Dependencies stay external, but the workspace's own packages (@dealership/revision, @dealership/test-kit) are
  // bundled from their TypeScript source: they have no build output of their own here.
  external: Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
    .filter((name) => !name.startsWith('@dealership/'))
    .flatMap((name) => [name, `${name}/*`]),
  conditions: ['source'],
  platform: 'node',
  target: 'node20',
  format: 'esm',
  logLevel: 'warning',
});
await import(pathToFileURL(outfile).href);
