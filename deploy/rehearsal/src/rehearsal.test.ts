import { statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIFECYCLE_ORDER, type LifecycleEvent } from '@dealership/revision';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { groupId, SERVICE_ACCOUNT, userId } from './accounts.js';
import type { DeploymentReport } from './codedeploy/rollout.js';
import { Load } from './load/load.js';
import { DEFAULT_OPTIONS, Rehearsal } from './rehearsal.js';
import { formatDeployment, formatLoad } from './report.js';
import { getJson, revisionFailingOnPort } from './test-support/revisions.js';

/** The traffic hooks the repository's appspec attaches no script to: skipped on every instance. */
const UNSCRIPTED_TRAFFIC_HOOKS: readonly LifecycleEvent[] = [
  'BeforeBlockTraffic',
  'AfterBlockTraffic',
  'BeforeAllowTraffic',
  'AfterAllowTraffic',
];

interface Version {
  commit: string;
}

/** Every instance, asked directly, and the load balancer, asked once per instance and more. */
async function servedCommits(rehearsal: Rehearsal) {
  const direct = await Promise.all(
    rehearsal.instances.map(async (instance) => (await getJson<Version>(`${instance.url}/version`)).commit),
  );
  const throughBalancer = new Set<string>();
  for (let i = 0; i < rehearsal.instances.length * 3; i += 1) {
    throughBalancer.add((await getJson<Version>(`${rehearsal.url}/version`)).commit);
  }
  return { direct, throughBalancer: [...throughBalancer] };
}

const ownerAndMode = (path: string) => {
  const stat = statSync(path);
  return `${stat.uid}:${stat.gid} ${(stat.mode & 0o7777).toString(8)}`;
};

const statuses = (report: DeploymentReport) =>
  report.instances.map((instance) => `${instance.instance} ${instance.status}`);

describe('a deploy rehearsed on three instances sharing the embedded SQLite database', () => {
  const revisions = { one: inject('revisions').one.file, two: inject('revisions').two.file };
  let dir: string;
  let rehearsal: Rehearsal;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rehearsal-test-'));
    rehearsal = await Rehearsal.start({ ...DEFAULT_OPTIONS, instances: 3 });
  }, 180_000);
  afterAll(async () => {
    await rehearsal?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('installs revision 1 on every instance and puts each behind HAProxy', async () => {
    const report = await rehearsal.deploy(revisions.one);
    expect(report.status, formatDeployment(report)).toBe('Succeeded');
    // A first install has no previous revision, so no ApplicationStop.
    expect(report.instances[0]!.events.find((event) => event.event === 'ApplicationStop')!.status).toBe(
      'Skipped',
    );
    expect(await servedCommits(rehearsal)).toEqual({
      direct: ['rev-one', 'rev-one', 'rev-one'],
      throughBalancer: ['rev-one'],
    });
    expect(await rehearsal.serverStates()).toEqual({ inst1: 'UP', inst2: 'UP', inst3: 'UP' });

    // The hooks saw the paths as on EC2 (each instance's own, in its mount namespace) ...
    const first = rehearsal.instances[0]!;
    expect(await rehearsal.scriptsLog(first, report.id)).toContain(
      'install directory /opt/dealership/app is ready; installing commit rev-one',
    );
    // ... appspec.yml's permissions were applied as the agent applies them ...
    const app = join(first.root, 'opt/dealership/app');
    expect(ownerAndMode(app)).toBe(`0:${groupId(SERVICE_ACCOUNT)} 750`);
    expect(ownerAndMode(join(app, 'service/dist/main.js'))).toBe(`0:${groupId(SERVICE_ACCOUNT)} 640`);
    expect(ownerAndMode(join(app, 'deploy/hooks/validate-service.sh'))).toBe('0:0 700');
    // ... and the service runs as its unit's User=, reading its code through the dealership group.
    const pid = await first.supervisor.mainPid('dealership.service');
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    expect(/^Uid:\t(\d+)/m.exec(status)?.[1]).toBe(String(userId(SERVICE_ACCOUNT)));
  }, 180_000);

  it('rolls revision 2 out one instance at a time under load, without a failed request', async () => {
    const load = new Load({ url: rehearsal.url, ratePerSecond: 40, token: rehearsal.token });
    const report = await rehearsal.deploy(revisions.two);
    const traffic = await load.stop();
    expect(report.status, formatDeployment(report)).toBe('Succeeded');
    expect(statuses(report)).toEqual(['inst1 Succeeded', 'inst2 Succeeded', 'inst3 Succeeded']);
    for (const instance of report.instances) {
      expect(
        instance.events.filter((event) => event.status !== 'Skipped').map((event) => event.event),
      ).toEqual(LIFECYCLE_ORDER.filter((event) => !UNSCRIPTED_TRAFFIC_HOOKS.includes(event)));
    }
    expect(traffic.failed, formatLoad(traffic)).toBe(0);
    // Writes all along: a quarter of the load's cycle at its rate, for as long as the rollout lasted
    // (a count fixed in advance would fail a rollout that got faster).
    expect(traffic.byKind.createCustomer).toBeGreaterThan(20);
    expect(traffic.byKind.createCustomer).toBeGreaterThanOrEqual(
      Math.floor((0.75 * 40 * traffic.durationMs) / 1000 / 4),
    );
    expect(Object.keys(traffic.commits).sort()).toEqual(['rev-one', 'rev-two']);
    expect(await servedCommits(rehearsal)).toEqual({
      direct: ['rev-two', 'rev-two', 'rev-two'],
      throughBalancer: ['rev-two'],
    });
  }, 180_000);

  it('rolls a revision whose ValidateService fails back to revision 2, serving every request meanwhile', async () => {
    // It starts on inst1 and not on inst2: one instance to roll back that had succeeded, one that failed.
    const broken = await revisionFailingOnPort({
      from: revisions.two,
      to: join(dir, 'three.zip'),
      commit: 'rev-three',
      failingPort: rehearsal.instances[1]!.port,
    });
    const load = new Load({ url: rehearsal.url, ratePerSecond: 40, token: rehearsal.token });
    const report = await rehearsal.deploy(broken);
    const traffic = await load.stop();

    expect(report.status).toBe('Failed');
    expect(statuses(report)).toEqual(['inst1 Succeeded', 'inst2 Failed']);
    const failed = report.instances[1]!.events.at(-1)!;
    expect(failed.event).toBe('ValidateService');
    expect(failed.error).toMatch(/dealership\.service is not running/);

    expect(report.rollback?.status, formatDeployment(report)).toBe('Succeeded');
    expect(statuses(report.rollback!)).toEqual(['inst2 Succeeded', 'inst1 Succeeded']);
    // Revision 3 was installed on both before they failed or rolled back, so the agent ran revision
    // 3's ApplicationStop in the rollback on each (_last_successful_install is written at Install).
    for (const instance of rehearsal.instances.slice(0, 2)) {
      expect(await rehearsal.scriptsLog(instance, report.rollback!.id)).toContain(
        'ApplicationStop of commit rev-three',
      );
    }
    expect(traffic.failed, formatLoad(traffic)).toBe(0);
    expect(await servedCommits(rehearsal)).toEqual({
      direct: ['rev-two', 'rev-two', 'rev-two'],
      throughBalancer: ['rev-two'],
    });
    expect(await rehearsal.serverStates()).toEqual({ inst1: 'UP', inst2: 'UP', inst3: 'UP' });
  }, 240_000);
});
