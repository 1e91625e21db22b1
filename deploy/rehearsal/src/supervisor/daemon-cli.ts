import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runMain } from '../cli/main.js';
import { Supervisor } from './supervisor.js';
import { runVerb } from './verbs.js';

const USAGE = `daemon-cli --state DIR --socket PATH
The rehearsal's systemd for one instance, started once inside its mount namespace (daemon.ts): answers
the supervisor client's calls on PATH (pid files and logs in DIR) until its stdin closes.`;

/**
 * One of the caller's output FIFOs (the client script copies what comes out of it to its own stdout or
 * stderr). Opened for reading and writing, which never blocks: the client's reader may not have opened
 * its end yet, and the daemon must never wait on one caller.
 */
function openCallerFifo(path: string): number {
  if (!lstatSync(path).isFIFO()) throw new Error(`${path} is not a FIFO`);
  return openSync(path, 'r+');
}

function write(fd: number, text: string) {
  try {
    writeSync(fd, text);
  } catch {
    // the caller is gone: nothing more to tell it
  }
}

await runMain(USAGE, async () => {
  const { values } = parseArgs({ options: { state: { type: 'string' }, socket: { type: 'string' } } });
  if (!values.state || !values.socket) throw new Error(`--state and --socket are required\nusage: ${USAGE}`);
  const supervisor = new Supervisor(values.state);
  const socket = values.socket;

  // A request is the folder of the client's FIFOs and its arguments, each ended by a NUL; the answer is
  // the exit status, once the verb's output and that of what `run` started are written to the FIFOs.
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const [fifos, ...argv] = Buffer.concat(chunks).toString('utf8').split('\0').slice(0, -1);
      let streams: number[];
      try {
        if (!fifos?.startsWith('/')) throw new Error(`got ${JSON.stringify(fifos)}`);
        streams = [openCallerFifo(join(fifos, 'out')), openCallerFifo(join(fifos, 'err'))];
      } catch (error) {
        response
          .writeHead(400)
          .end(
            `the request must start with the folder of the caller's out and err FIFOs: ${(error as Error).message}\n`,
          );
        return;
      }
      const [out, err] = streams as [number, number];
      const gone = new AbortController();
      response.once('close', () => {
        if (!response.writableFinished) gone.abort();
      });
      try {
        const status = await runVerb(supervisor, argv, {
          out: (text) => write(out, text),
          err: (text) => write(err, text),
          // The agent closes its scripts' stdin at once: the command reads an empty one.
          stdio: ['ignore', out, err],
          gone: gone.signal,
        });
        response.end(String(status));
      } finally {
        for (const fd of streams) closeSync(fd);
      }
    });
  });
  mkdirSync(values.state, { recursive: true });
  rmSync(socket, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, resolve);
  });
  // Root's only: whoever reaches it runs commands as root.
  chmodSync(socket, 0o600);
  process.stdout.write('ready\n');
  // Ends with the rehearsal that started it (its stdin closes), whatever the way it ended.
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.once('close', resolve));
  server.close();
  rmSync(socket, { force: true });
  process.exit(0);
});
