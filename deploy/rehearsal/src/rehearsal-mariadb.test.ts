import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Load } from './load/load.js';
import { runChecked } from './process.js';
import { DEFAULT_OPTIONS, Rehearsal } from './rehearsal.js';
import { formatDeployment, formatLoad } from './report.js';
import { getJson } from './test-support/revisions.js';

/** The machine's MariaDB (127.0.0.1:3306, root), in a database of this test's own. */
const database = `rehearsal_${randomBytes(6).toString('hex')}`;
const mariadb = (sql: string) => runChecked('mariadb', ['-uroot', '-h127.0.0.1', '-P3306', '-e', sql]);

describe('a deploy rehearsed on two instances sharing a MariaDB database (DATABASE_URL)', () => {
  let rehearsal: Rehearsal;

  beforeAll(async () => {
    await mariadb(`CREATE DATABASE \`${database}\``);
    rehearsal = await Rehearsal.start({
      ...DEFAULT_OPTIONS,
      instances: 2,
      databaseUrl: `mysql://root@127.0.0.1:3306/${database}`,
    });
  }, 60_000);
  afterAll(async () => {
    await rehearsal?.stop();
    await mariadb(`DROP DATABASE IF EXISTS \`${database}\``);
  });

  it('migrates once, then rolls a new revision out under load without a failed request', async () => {
    // Production's revisions, which carry no sqlite3: the service runs on MySQL alone.
    const { one, two } = inject('revisions').production;
    const install = await rehearsal.deploy(one.file);
    expect(install.status, formatDeployment(install)).toBe('Succeeded');
    const applied = await runChecked('mariadb', [
      '-uroot',
      '-h127.0.0.1',
      '-N',
      '-e',
      `SELECT COUNT(*) FROM \`${database}\`.SequelizeMeta`,
    ]);
    expect(Number(applied.trim())).toBeGreaterThan(0);

    const load = new Load({ url: rehearsal.url, ratePerSecond: 40, token: rehearsal.token });
    const rollout = await rehearsal.deploy(two.file);
    const traffic = await load.stop();
    expect(rollout.status, formatDeployment(rollout)).toBe('Succeeded');
    expect(traffic.failed, formatLoad(traffic)).toBe(0);
    for (const instance of rehearsal.instances) {
      expect((await getJson<{ commit: string }>(`${instance.url}/version`)).commit).toBe('rev-two');
    }
    expect((await getJson<{ commit: string }>(`${rehearsal.url}/version`)).commit).toBe('rev-two');
  }, 240_000);
});
