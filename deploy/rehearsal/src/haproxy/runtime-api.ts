import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { BACKEND, checkSettings, type HealthCheck } from './config.js';

export type AdminState = 'ready' | 'drain' | 'maint';

export interface ServerStat {
  name: string;
  /** HAProxy's status column: UP, DOWN, DRAIN, MAINT, "UP 1/2", "no check", ... */
  status: string;
  currentSessions: number;
}

/** HAProxy's runtime API over its admin socket: one command per connection. */
export class RuntimeApi {
  constructor(readonly socketPath: string) {}

  command(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.socketPath);
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('connect', () => socket.end(`${line}\n`));
      socket.on('data', (chunk: string) => {
        answer += chunk;
      });
      socket.on('error', (error) =>
        reject(new Error(`HAProxy runtime API (${this.socketPath}): ${error.message}`)),
      );
      socket.on('close', () => resolve(answer));
    });
  }

  async setState(server: string, state: AdminState): Promise<void> {
    const answer = (await this.command(`set server ${BACKEND}/${server} state ${state}`)).trim();
    if (answer !== '')
      throw new Error(`HAProxy refused "set server ${BACKEND}/${server} state ${state}": ${answer}`);
  }

  /**
   * Adds a server to the backend while HAProxy runs (the rehearsal's RegisterTargets for an instance an
   * Auto Scaling group launches), in maintenance until its AllowTraffic, its health check enabled. A
   * dynamic server takes no default-server settings, so the check's are given (HAProxy 2.6 management
   * guide, "add server", "enable health").
   */
  async addServer(name: string, port: number, check: HealthCheck): Promise<void> {
    const added = (
      await this.command(`add server ${BACKEND}/${name} 127.0.0.1:${port} ${checkSettings(check)} disabled`)
    ).trim();
    if (added !== 'New server registered.') throw new Error(`HAProxy refused to add ${name}: ${added}`);
    const health = (await this.command(`enable health ${BACKEND}/${name}`)).trim();
    if (health !== '') throw new Error(`HAProxy refused "enable health ${BACKEND}/${name}": ${health}`);
  }

  /** Removes a server in maintenance with no session left (HAProxy 2.6 management guide, "del server"). */
  async deleteServer(name: string): Promise<void> {
    const answer = (await this.command(`del server ${BACKEND}/${name}`)).trim();
    if (answer !== 'Server deleted.') throw new Error(`HAProxy refused to delete ${name}: ${answer}`);
  }

  /** The backend's servers from `show stat`. */
  async servers(): Promise<ServerStat[]> {
    const csv = await this.command('show stat');
    const [header, ...rows] = csv.trim().split('\n');
    const columns = (header ?? '').replace(/^# /, '').split(',');
    const at = (name: string) => columns.indexOf(name);
    return rows
      .map((row) => row.split(','))
      .filter(
        (cells) => cells[at('pxname')] === BACKEND && !['BACKEND', 'FRONTEND'].includes(cells[at('svname')]!),
      )
      .map((cells) => ({
        name: cells[at('svname')]!,
        status: cells[at('status')]!,
        currentSessions: Number(cells[at('scur')]),
      }));
  }

  async server(name: string): Promise<ServerStat> {
    const found = (await this.servers()).find((server) => server.name === name);
    if (!found) throw new Error(`HAProxy has no server ${BACKEND}/${name}`);
    return found;
  }

  /** Polls until `done` holds for the server, or fails after `timeoutMs` naming what it saw last. */
  async waitFor(
    name: string,
    what: string,
    done: (stat: ServerStat) => boolean,
    timeoutMs: number,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const stat = await this.server(name);
      if (done(stat)) return;
      if (Date.now() > deadline) {
        throw new Error(
          `${name}: ${what} did not happen in ${timeoutMs} ms (status ${stat.status}, ${stat.currentSessions} sessions)`,
        );
      }
      await sleep(25);
    }
  }
}
