import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RawExchange {
  /** Everything the server sent. */
  text: string;
  /** How long after the last byte was sent the server closed the connection (ms). */
  closedAfterMs: number;
  /** Whether it ended with a reset rather than a clean close. */
  reset: boolean;
}

/**
 * Writes `chunks` to the server as they come (a string, or a pause in ms between them) on one raw TCP
 * connection, and resolves when the server closes it. With `readAfterMs`, nothing is read from the socket
 * for that long: the client that stops reading its answers.
 */
export function rawExchange(
  port: number,
  chunks: (string | Buffer | number)[],
  { readAfterMs = 0, giveUpMs = 20_000 } = {},
): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const received: Buffer[] = [];
    let sentAt = Date.now();
    let reset = false;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${giveUpMs} ms`));
    }, giveUpMs);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') reset = true;
      else reject(error);
    });
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve({ text: Buffer.concat(received).toString('utf8'), closedAfterMs: Date.now() - sentAt, reset });
    });
    socket.once('connect', async () => {
      if (readAfterMs > 0) socket.pause();
      for (const chunk of chunks) {
        if (typeof chunk === 'number') await sleep(chunk);
        else if (!socket.destroyed) socket.write(chunk);
      }
      sentAt = Date.now();
      if (readAfterMs > 0) {
        await sleep(readAfterMs);
        socket.resume();
      }
    });
  });
}

/** The status codes of the HTTP responses in `text`, in order. */
export const statusesIn = (text: string): number[] =>
  [...text.matchAll(/HTTP\/1\.1 (\d{3}) [^\r\n]*\r\n/g)].map((match) => Number(match[1]));

/** The body of the last response in `text`, parsed as JSON. */
export function lastJsonBody(text: string): unknown {
  const body = text.slice(text.lastIndexOf('\r\n\r\n') + 4);
  return JSON.parse(body);
}
