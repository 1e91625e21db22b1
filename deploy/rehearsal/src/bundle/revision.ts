import { runChecked } from '../process.js';

/** The commit a revision zip was built from (its REVISION file). */
export async function bundleCommit(zip: string): Promise<string> {
  const text = await runChecked('unzip', ['-p', zip, 'REVISION']);
  const commit = text.split('\n')[0]?.trim();
  if (!commit) throw new Error(`${zip} has no REVISION file naming its commit`);
  return commit;
}
