import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChecked } from '../process.js';
import { zipDirectory } from '../upgrade/revision.js';

/**
 * A copy of a revision with another commit whose service exits at start on the instance listening on
 * `failingPort`: it deploys fine elsewhere, and that instance's ValidateService fails.
 */
export async function revisionFailingOnPort(options: {
  from: string;
  to: string;
  commit: string;
  failingPort: number;
}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'failing-revision-'));
  try {
    await runChecked('unzip', ['-q', options.from, '-d', dir]);
    const main = join(dir, 'service/dist/main.js');
    const guard = `if (process.env.PORT === '${options.failingPort}') {\n  console.error('this revision cannot start here');\n  process.exit(1);\n}\n`;
    await writeFile(main, guard + (await readFile(main, 'utf8')));
    await writeFile(join(dir, 'REVISION'), `${options.commit}\n`);
    return await zipDirectory(dir, options.to);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** GET a URL and parse its JSON body. */
export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} → ${response.status}`);
  return (await response.json()) as T;
}
