import { existsSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LifecycleEvent } from '@dealership/revision';
import type { EventResult } from '../codedeploy/lifecycle.js';
import type { DeploymentReport } from '../codedeploy/rollout.js';
import { Load, type LoadReport } from '../load/load.js';
import { DEFAULT_OPTIONS, Rehearsal, type RehearsalInstance } from '../rehearsal.js';
import { short } from './report.js';
import type { Revision } from './revision.js';
import { type SeededData, seedBaseData, upgradeWorkload } from './workload.js';

const UNIT = 'dealership.service';

/** One lifecycle event of one instance, placed on the phase's clock (ms after its load started). */
export interface TimedEvent {
  instance: string;
  event: LifecycleEvent;
  status: EventResult['status'];
  startMs: number;
  durationMs: number;
  /** The deployment it belongs to: the phase's own, or CodeDeploy's automatic rollback of it. */
  deployment: string;
}

/** An error an instance's service logged during the phase, with the revision it was running then. */
export interface ServiceError {
  instance: string;
  /** The commit of the code that logged it. */
  commit: string;
  message: string;
  count: number;
  firstAtMs: number;
}

export interface PhaseReport {
  phase: 'upgrade' | 'rollback';
  /** Commits: what the instances ran before the phase, and what it deploys. */
  from: string;
  to: string;
  deployment: DeploymentReport;
  load: LoadReport;
  /** The phase's events on its clock; the load ran from 0 to load.durationMs. */
  events: TimedEvent[];
  /** What each instance's AfterInstall said it applied (`migrate.js up`), for each deployment of the phase. */
  migrationsApplied: { instance: string; deployment: string; migrations: string[] }[];
  serviceErrors: ServiceError[];
  /** How long the load went on after the deployment ended, every instance on the phase's revision. */
  holdMs: number;
}

export interface UpgradeRehearsalOptions {
  base: Revision;
  head: Revision;
  instances: number;
  /** Requests per second through HAProxy during each phase. */
  rate: number;
  /** How long the load goes on after each deployment. */
  holdMs: number;
  /** A MySQL/MariaDB database for the instances; default the rehearsal's shared SQLite file. */
  databaseUrl?: string;
  keep?: boolean;
  /** Stop the instances on SIGINT/SIGTERM and exit (a command line's choice, not a library's). */
  stopOnInterrupt?: boolean;
  log?: (line: string) => void;
}

export interface UpgradeRehearsalReport {
  instances: number;
  database: 'sqlite' | 'mysql';
  rate: number;
  /** The base revision's first install, without load. */
  install: DeploymentReport;
  seeded?: SeededData;
  upgrade?: PhaseReport;
  /** Absent when the upgrade itself failed and CodeDeploy's automatic rollback already redeployed the base. */
  rollback?: PhaseReport;
}

/** Each event of a deployment (and of its automatic rollback) on the phase clock; events run back to back. */
function timeline(report: DeploymentReport, startMs: number): TimedEvent[] {
  const events: TimedEvent[] = [];
  let at = startMs;
  for (const instance of report.instances) {
    for (const event of instance.events) {
      events.push({
        instance: instance.instance,
        event: event.event,
        status: event.status,
        startMs: at,
        durationMs: event.durationMs,
        deployment: report.id,
      });
      at += event.durationMs;
    }
  }
  return report.rollback ? [...events, ...timeline(report.rollback, startMs + report.durationMs)] : events;
}

/**
 * The commit an instance ran at a moment of the phase: `from` until its ApplicationStart began, then
 * `to` — or `from` again once an automatic rollback's ApplicationStart began on it.
 */
export function commitAt(
  events: readonly TimedEvent[],
  instance: string,
  atMs: number,
  from: string,
  to: string,
): string {
  let commit = from;
  for (const event of events) {
    if (event.instance !== instance || event.event !== 'ApplicationStart' || event.startMs > atMs) continue;
    commit = event.deployment === events[0]?.deployment ? to : from;
  }
  return commit;
}

/** What AfterInstall's `migrate.js up` printed on one instance ({"applied":[...]}, in its scripts.log). */
async function migrationsApplied(rehearsal: Rehearsal, instance: RehearsalInstance, deployment: string) {
  const log = await rehearsal.scriptsLog(instance, deployment).catch(() => '');
  const printed = /\[stdout\](\{"applied":\[.*?\]\})/.exec(log)?.[1];
  return printed === undefined ? undefined : (JSON.parse(printed) as { applied: string[] }).applied;
}

/** The size of each instance's service log, to read only what a phase adds. */
function logOffsets(rehearsal: Rehearsal): Map<string, number> {
  return new Map(
    rehearsal.instances.map((instance) => {
      const path = instance.supervisor.logPath(UNIT);
      return [instance.name, existsSync(path) ? statSync(path).size : 0];
    }),
  );
}

/** The service's pino lines at error level or above, and anything it wrote that is not JSON (a crash). */
async function loggedErrors(
  rehearsal: Rehearsal,
  offsets: Map<string, number>,
  phaseStart: number,
  commitOf: (instance: string, atMs: number) => string,
): Promise<ServiceError[]> {
  const errors = new Map<string, ServiceError>();
  for (const instance of rehearsal.instances) {
    const path = instance.supervisor.logPath(UNIT);
    if (!existsSync(path)) continue;
    const handle = await open(path, 'r');
    let text: string;
    try {
      const start = offsets.get(instance.name) ?? 0;
      const { size } = await handle.stat();
      const buffer = Buffer.alloc(Math.max(0, size - start));
      await handle.read(buffer, 0, buffer.length, start);
      text = buffer.toString('utf8');
    } finally {
      await handle.close();
    }
    for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
      let message: string;
      let atMs: number;
      try {
        const entry = JSON.parse(line) as {
          level?: number;
          time?: number | string;
          msg?: string;
          err?: { message?: string };
        };
        // An error-level line without an error is the access log of a 5xx, which the load reports already.
        if ((entry.level ?? 0) < 50 || (entry.err === undefined && (entry.level ?? 0) < 60)) continue;
        message = entry.err?.message ?? entry.msg ?? line;
        // pino's time: epoch milliseconds by default, ISO text with stdTimeFunctions.isoTime (the service's).
        const time = typeof entry.time === 'string' ? Date.parse(entry.time) : entry.time;
        atMs = (time !== undefined && Number.isFinite(time) ? time : Date.now()) - phaseStart;
      } catch {
        message = line.trim();
        atMs = Date.now() - phaseStart;
      }
      message = message.slice(0, 300);
      const commit = commitOf(instance.name, atMs);
      const key = `${instance.name}\n${commit}\n${message}`;
      const seen = errors.get(key);
      if (seen) seen.count += 1;
      else errors.set(key, { instance: instance.name, commit, message, count: 1, firstAtMs: atMs });
    }
  }
  return [...errors.values()].sort((a, b) => a.firstAtMs - b.firstAtMs);
}

/** One phase: the load starts, the revision rolls out one instance at a time, the load holds, then stops. */
async function rehearsePhase(
  rehearsal: Rehearsal,
  options: UpgradeRehearsalOptions,
  phase: PhaseReport['phase'],
  from: Revision,
  to: Revision,
  seeded: SeededData,
): Promise<PhaseReport> {
  const offsets = logOffsets(rehearsal);
  options.log?.(
    `${phase}: deploying ${short(to.commit)} over ${short(from.commit)} under ${options.rate} requests/s`,
  );
  const phaseStart = Date.now();
  const load = new Load({
    url: rehearsal.url,
    ratePerSecond: options.rate,
    token: rehearsal.token,
    extra: upgradeWorkload(seeded),
  });
  const deploymentStart = Date.now() - phaseStart;
  const deployment = await rehearsal.deploy(to.zip);
  await sleep(options.holdMs);
  const loadReport = await load.stop();
  const events = timeline(deployment, deploymentStart);
  const applied: PhaseReport['migrationsApplied'] = [];
  for (const report of [deployment, ...(deployment.rollback ? [deployment.rollback] : [])]) {
    for (const result of report.instances) {
      const instance = rehearsal.instances.find((candidate) => candidate.name === result.instance)!;
      const migrations = await migrationsApplied(rehearsal, instance, report.id);
      if (migrations !== undefined)
        applied.push({ instance: result.instance, deployment: report.id, migrations });
    }
  }
  const serviceErrors = await loggedErrors(rehearsal, offsets, phaseStart, (instance, atMs) =>
    commitAt(events, instance, atMs, from.commit, to.commit),
  );
  return {
    phase,
    from: from.commit,
    to: to.commit,
    deployment,
    load: loadReport,
    events,
    migrationsApplied: applied,
    serviceErrors,
    holdMs: options.holdMs,
  };
}

/**
 * The upgrade as production would see it: the base revision installed on every instance (its
 * migrations, then data written through its API), then the head revision rolled out one instance at
 * a time under load — its AfterInstall migrates the shared database while the other instances still
 * run the base — and then the rollback CodeDeploy would do: the base revision deployed again, under
 * load, migrations not undone.
 */
export async function rehearseUpgrade(options: UpgradeRehearsalOptions): Promise<UpgradeRehearsalReport> {
  const { base, head, log } = options;
  const rehearsal = await Rehearsal.start({
    ...DEFAULT_OPTIONS,
    instances: options.instances,
    databaseUrl: options.databaseUrl,
    keep: options.keep,
    log,
  });
  if (options.stopOnInterrupt) rehearsal.stopOnInterrupt();
  try {
    log?.(
      `${rehearsal.instances.length} instances behind HAProxy at ${rehearsal.url}; installing the base revision ${short(base.commit)}`,
    );
    const report: UpgradeRehearsalReport = {
      instances: options.instances,
      database: options.databaseUrl?.startsWith('mysql:') ? 'mysql' : 'sqlite',
      rate: options.rate,
      install: await rehearsal.deploy(base.zip),
    };
    if (report.install.status !== 'Succeeded') return report;
    report.seeded = await seedBaseData(rehearsal.url, rehearsal.token);
    report.upgrade = await rehearsePhase(rehearsal, options, 'upgrade', base, head, report.seeded);
    if (report.upgrade.deployment.status === 'Succeeded') {
      report.rollback = await rehearsePhase(rehearsal, options, 'rollback', head, base, report.seeded);
    }
    return report;
  } finally {
    await rehearsal.stop();
  }
}
