import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { runMain } from '../cli/main.js';
import { Supervisor } from './supervisor.js';
import { runVerb } from './verbs.js';

const USAGE = `daemon-cli --state DIR --address FILE
The rehearsal's systemd for one instance, started once inside its mount namespace (daemon.ts): answers
the supervisor client (SUPERVISOR_CLIENT) on 127.0.0.1, whose port and token it writes to FILE (root's
only), with pid files and logs in DIR, until its stdin closes.`;

/** A request: the token, the number of arguments, then each argument, every field ended by a NUL. */
function parseRequest(buffer: Buffer): { token: string; argv: string[] } | undefined {
  const fields: string[] = [];
  let start = 0;
  for (let end = buffer.indexOf(0, start); end !== -1; end = buffer.indexOf(0, start)) {
    fields.push(buffer.subarray(start, end).toString('utf8'));
    start = end + 1;
  }
  if (fields.length < 2) return undefined;
  const count = Number(fields[1]);
  if (!Number.isInteger(count) || count < 0)
    throw new Error(`bad argument count ${JSON.stringify(fields[1])}`);
  if (fields.length < 2 + count) return undefined;
  return { token: fields[0]!, argv: fields.slice(2, 2 + count) };
}

await runMain(USAGE, async () => {
  const { values } = parseArgs({ options: { state: { type: 'string' }, address: { type: 'string' } } });
  if (!values.state || !values.address)
    throw new Error(`--state and --address are required\nusage: ${USAGE}`);
  const supervisor = new Supervisor(values.state);
  const token = randomBytes(24).toString('hex');

  // The answer: each line of output as "1 LINE" (stdout) or "2 LINE" (stderr), then "= STATUS".
  const answer = async (socket: Socket, argv: string[]) => {
    const gone = new AbortController();
    socket.once('close', () => gone.abort());
    const status = await runVerb(supervisor, argv, {
      output: (stream, line) => {
        if (!socket.destroyed) socket.write(`${stream} ${line}\n`);
      },
      gone: gone.signal,
    });
    socket.end(`= ${status}\n`);
  };

  const server = createServer((socket) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      let request: ReturnType<typeof parseRequest>;
      try {
        request = parseRequest(received);
      } catch (error) {
        socket.end(`2 supervisor: ${(error as Error).message}\n= 1\n`);
        return;
      }
      if (request === undefined) return;
      socket.off('data', onData);
      const offered = Buffer.from(request.token);
      if (offered.length !== token.length || !timingSafeEqual(offered, Buffer.from(token))) {
        socket.end('2 supervisor: wrong token\n= 1\n');
        return;
      }
      void answer(socket, request.argv);
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  // Whoever reaches the daemon runs commands as root: only root may read the token.
  mkdirSync(values.state, { recursive: true });
  rmSync(values.address, { force: true });
  writeFileSync(values.address, `${(server.address() as AddressInfo).port} ${token}\n`, { mode: 0o600 });
  process.stdout.write('ready\n');
  // Ends with the rehearsal that started it (its stdin closes), whatever the way it ended.
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.once('close', resolve));
  server.close();
  rmSync(values.address, { force: true });
  process.exit(0);
});
