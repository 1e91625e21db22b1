import { readdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';
import { SERVICE_DIR } from '../paths.js';

/*
 * Packages the service bundle leaves out. Sequelize loads a dialect's driver with a require() it
 * computes at run time, which a bundler cannot follow, so the MySQL driver is handed to it
 * (service/src/db/connect.ts `dialectModule`) and bundled like everything else; these are not.
 */
/** Shipped in service/node_modules: src/http/docs.ts finds swagger-ui-dist at run time and serves its files. */
export const SHIPPED_PACKAGES = ['swagger-ui-dist'];
/** The embedded database's driver, a native addon: shipped only on request (BundleOptions.sqlite3). */
export const SQLITE_DRIVER = 'sqlite3';
/** Required only by Sequelize's postgres dialect, which the service never uses: left out altogether. */
const NEVER_LOADED = ['pg-hstore'];

/**
 * umzug's own command line (lib/cli.js: Umzug#getCli and #runAsCLI, which the service never calls;
 * src/cli/migrate.ts is its command line) loads @rushstack/ts-command-line and its dependencies when
 * umzug loads: 0.9 MB of the 5.4 MB chunk that `migrate up` and the server share, evaluated before
 * their first query (docs/benchmarks.md, the rollout). Bundled in its place: a module whose exports
 * throw, saying so, if anything ever uses them.
 */
export const UMZUG_CLI_LEFT_OUT =
  "umzug's command line (Umzug#getCli, Umzug#runAsCLI) is left out of the service bundle (deploy/rehearsal/src/bundle/service-build.ts)";
const leaveOutUmzugCli: Plugin = {
  name: 'leave-out-umzug-cli',
  setup(builder) {
    builder.onResolve({ filter: /^\.\/cli$/ }, ({ importer }) =>
      /[\\/]node_modules[\\/]umzug[\\/]lib[\\/][^\\/]+\.js$/.test(importer)
        ? { path: 'umzug/lib/cli.js', namespace: 'left-out' }
        : undefined,
    );
    builder.onLoad({ filter: /.*/, namespace: 'left-out' }, () => ({
      loader: 'js',
      contents: `for (const name of ['UmzugCLI', 'UpAction', 'DownAction', 'ListAction', 'CreateAction']) {
  exports[name] = class { constructor() { throw new Error(${JSON.stringify(UMZUG_CLI_LEFT_OUT)}); } };
}`,
    }));
  },
};

// Bundled CommonJS code calls require() (Node built-ins, and the drivers Sequelize looks up at run
// time, such as sqlite3); give each ESM file a real one, resolving from where the file is installed.
const BANNER =
  "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);";

/** The service's sources: service/src. */
export const SERVICE_SOURCES = join(SERVICE_DIR, 'src');

/** The service's entry points: the server and every command-line tool in src/cli (the hooks run cli/migrate.js). */
function entryPoints(sources: string): Record<string, string> {
  const cli = readdirSync(join(sources, 'cli')).filter(
    (name) => name.endsWith('.ts') && !name.endsWith('.test.ts'),
  );
  return Object.fromEntries([
    ['main', join(sources, 'main.ts')],
    ...cli.map((name) => [`cli/${name.slice(0, -3)}`, join(sources, 'cli', name)]),
  ]);
}

export interface ServiceBuild {
  /** The files written, relative to `outDir`. */
  files: string[];
  /** Every installed package whose code is in the bundle, as folders under a node_modules. */
  bundledPackages: string[];
}

/**
 * Compiles the service from its TypeScript sources into a few ESM files in `outDir` (the revision's
 * service/dist): main.js, cli/*.js, and the chunks they share, with every dependency inside except
 * the packages above. Not minified, so stack traces keep their names. The same sources give the same bytes.
 * `sources` is service/src, or a changed copy of it elsewhere (the upgrade check's test revisions),
 * whose packages are then found in the service's and the repository's node_modules.
 */
export async function buildService(outDir: string, sources = SERVICE_SOURCES): Promise<ServiceBuild> {
  const result = await build({
    absWorkingDir: SERVICE_DIR,
    entryPoints: entryPoints(sources),
    nodePaths: [join(SERVICE_DIR, 'node_modules'), join(SERVICE_DIR, '..', 'node_modules')],
    outdir: outDir,
    bundle: true,
    splitting: true,
    platform: 'node',
    // The oldest Node the hooks accept (before-install.sh); the image carries Node 24.
    target: 'node20',
    format: 'esm',
    external: [...SHIPPED_PACKAGES, SQLITE_DRIVER, ...NEVER_LOADED],
    banner: { js: BANNER },
    plugins: [leaveOutUmzugCli],
    legalComments: 'none',
    metafile: true,
    logLevel: 'error',
  });
  checkServiceDirResolves(result.metafile, outDir, sources);
  const files = Object.keys(result.metafile.outputs).map((path) =>
    relative(outDir, join(SERVICE_DIR, path)).split(sep).join('/'),
  );
  return { files: files.sort(), bundledPackages: packagesIn(result.metafile) };
}

/**
 * src/config.ts finds the service folder as the parent of its own file's folder (import.meta.dirname),
 * as in the compiled dist/config.js. Bundled, that is the folder of the file its code lands in: it must
 * be a file directly in dist/ (a chunk shared by the entry points), never dist/cli/.
 */
function checkServiceDirResolves(metafile: Metafile, outDir: string, sources: string): void {
  const config = join(sources, 'config.ts');
  const holders = Object.entries(metafile.outputs)
    .filter(([, output]) => Object.keys(output.inputs).some((input) => join(SERVICE_DIR, input) === config))
    .map(([path]) => join(SERVICE_DIR, path));
  const misplaced = holders.filter((path) => dirname(path) !== outDir);
  if (holders.length === 0 || misplaced.length > 0) {
    throw new Error(
      `src/config.ts must be bundled into a file directly in service/dist, so import.meta.dirname/.. is the ` +
        `service folder; it is in ${holders.map((path) => relative(SERVICE_DIR, path)).join(', ') || 'no output'}`,
    );
  }
}

/** The package folders (…/node_modules/NAME or …/node_modules/@scope/NAME) the bundle's inputs come from. */
export function packagesIn(metafile: Metafile): string[] {
  const packages = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const path = join(SERVICE_DIR, input);
    const match = /^(.*\/node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(path);
    if (match) packages.add(match[1]!);
  }
  return [...packages].sort();
}
