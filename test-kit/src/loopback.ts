/**
 * Ports on 127.0.0.1, the one way the repository finds them: a server of ours listens on a port the
 * kernel picks (`listen(0)`), and `freePort` hands out such a port for a process of someone else's
 * (moto, HAProxy, the service) to bind a moment later.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';

/** Starts `server` on 127.0.0.1 at a port the kernel picks and returns that port. */
export async function listenOnLoopback(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP port');
  return address.port;
}

/** A port on 127.0.0.1 that was free a moment ago, for another process to bind. */
export async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listenOnLoopback(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}
