// `npm run bench -w actions`: builds the actions (the start-up figure runs the real bundles), compiles
// the benchmark with esbuild and runs it. Dependencies stay external: Node loads them from node_modules.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
execFileSync(process.execPath, [join(here, '..', 'scripts', 'build.mjs')], { stdio: 'inherit' });
// One folder below actions/, like the sources, so paths the code finds relative to itself still hold.
const outfile = join(here, '..', 'dist', 'bench.mjs');
await build({
  entryPoints: [join(here, 'main.ts')],
  outfile,
  bundle: true,
  packages: 'external',
  platform: 'node',
  target: 'node20',
  format: 'esm',
  logLevel: 'warning',
});
await import(pathToFileURL(outfile).href);
