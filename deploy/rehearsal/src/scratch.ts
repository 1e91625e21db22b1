import { access, constants, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';

/**
 * Where the instance roots go: a deploy moves thousands of files per instance (unpack, empty, install),
 * so a memory-backed /dev/shm is preferred when there is one; else the system's temp folder.
 */
export async function scratchDir(): Promise<string> {
  try {
    await access('/dev/shm', constants.W_OK);
    // The hooks are executed from there, so it must not be mounted noexec.
    const mount = (await readFile('/proc/mounts', 'utf8'))
      .split('\n')
      .find((line) => line.split(' ')[1] === '/dev/shm');
    return mount?.split(' ')[3]?.split(',').includes('noexec') ? tmpdir() : '/dev/shm';
  } catch {
    return tmpdir();
  }
}
