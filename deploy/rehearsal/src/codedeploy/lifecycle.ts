import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runChecked } from '../process.js';
import { type AppSpec, LIFECYCLE_ORDER, type LifecycleEvent, loadRevisionAppSpec } from './appspec.js';
import { HookFailure, runHookScript } from './hook-script.js';
import { installRevision } from './install.js';

/** Events whose scripts come from the revision the instance runs now, not the one being deployed. */
const PREVIOUS_REVISION_EVENTS: readonly LifecycleEvent[] = [
  'BeforeBlockTraffic',
  'AfterBlockTraffic',
  'ApplicationStop',
];

export interface DeploymentGroup {
  applicationName: string;
  deploymentGroupName: string;
  deploymentGroupId: string;
}

export interface Deployment {
  id: string;
  group: DeploymentGroup;
  /** The revision zip. */
  bundle: string;
}

/** One instance as the CodeDeploy agent sees it: a directory root and the environment its hooks get. */
export interface AgentInstance {
  name: string;
  root: string;
  /** Added to every hook's environment (the supervisor switch and the instance root). */
  hookEnv: NodeJS.ProcessEnv;
}

/** The load balancer's part of a deployment (BlockTraffic and AllowTraffic). */
export interface TrafficControl {
  block(instance: string): Promise<void>;
  allow(instance: string): Promise<void>;
}

export interface EventResult {
  event: LifecycleEvent;
  status: 'Succeeded' | 'Failed' | 'Skipped';
  durationMs: number;
  error?: string;
}

export interface InstanceResult {
  instance: string;
  status: 'Succeeded' | 'Failed';
  durationMs: number;
  events: EventResult[];
}

const agentRoot = (instance: AgentInstance) => join(instance.root, 'opt/codedeploy-agent/deployment-root');
const instructions = (instance: AgentInstance, group: DeploymentGroup, what: string) =>
  join(agentRoot(instance), 'deployment-instructions', `${group.deploymentGroupId}${what}`);

/** Deploys one revision to one instance, event by event in CodeDeploy's order; stops at the first failure. */
export async function deployToInstance(
  instance: AgentInstance,
  deployment: Deployment,
  traffic: TrafficControl,
): Promise<InstanceResult> {
  const started = Date.now();
  const archiveDir = join(
    agentRoot(instance),
    deployment.group.deploymentGroupId,
    deployment.id,
    'deployment-archive',
  );
  const lastSuccessfulFile = instructions(instance, deployment.group, '_last_successful_install');
  const previousArchive = existsSync(lastSuccessfulFile)
    ? (await readFile(lastSuccessfulFile, 'utf8')).trim()
    : undefined;
  const logFile = join(agentRoot(instance), 'deployment-logs', 'codedeploy-agent-deployments.log');
  await mkdir(join(agentRoot(instance), 'deployment-logs'), { recursive: true });

  let previousSpec: AppSpec | undefined;
  let spec: AppSpec | undefined;
  const runScripts = async (event: LifecycleEvent): Promise<boolean> => {
    const fromPrevious = PREVIOUS_REVISION_EVENTS.includes(event);
    const source = fromPrevious ? previousSpec : spec;
    const dir = fromPrevious ? previousArchive : archiveDir;
    const scripts = source?.hooks[event] ?? [];
    if (dir === undefined || scripts.length === 0) return false;
    for (const script of scripts) {
      await runHookScript({
        script: join(dir, script.location),
        cwd: dir,
        timeoutSeconds: script.timeoutSeconds,
        logFile,
        // The agent's environment is sparse: a hook that needs more must say so in the revision.
        env: {
          PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
          HOME: process.env.HOME ?? '/root',
          LANG: 'C.UTF-8',
          ...instance.hookEnv,
          LIFECYCLE_EVENT: event,
          DEPLOYMENT_ID: deployment.id,
          APPLICATION_NAME: deployment.group.applicationName,
          DEPLOYMENT_GROUP_NAME: deployment.group.deploymentGroupName,
          DEPLOYMENT_GROUP_ID: deployment.group.deploymentGroupId,
        },
      });
    }
    return true;
  };

  const actions: Record<LifecycleEvent, () => Promise<boolean>> = {
    BeforeBlockTraffic: async () => {
      // The first event reads the running revision's appspec; a broken one fails the deployment here.
      previousSpec = previousArchive ? await loadRevisionAppSpec(previousArchive) : undefined;
      return runScripts('BeforeBlockTraffic');
    },
    BlockTraffic: async () => {
      await traffic.block(instance.name);
      return true;
    },
    AfterBlockTraffic: () => runScripts('AfterBlockTraffic'),
    ApplicationStop: () => runScripts('ApplicationStop'),
    DownloadBundle: async () => {
      await rm(archiveDir, { recursive: true, force: true });
      await mkdir(archiveDir, { recursive: true });
      await runChecked('unzip', ['-q', deployment.bundle, '-d', archiveDir]);
      spec = await loadRevisionAppSpec(archiveDir);
      return true;
    },
    BeforeInstall: () => runScripts('BeforeInstall'),
    Install: async () => {
      await installRevision({
        spec: spec!,
        archiveDir,
        root: instance.root,
        cleanupFile: instructions(instance, deployment.group, '-cleanup'),
      });
      return true;
    },
    AfterInstall: () => runScripts('AfterInstall'),
    ApplicationStart: () => runScripts('ApplicationStart'),
    ValidateService: () => runScripts('ValidateService'),
    BeforeAllowTraffic: () => runScripts('BeforeAllowTraffic'),
    AllowTraffic: async () => {
      await traffic.allow(instance.name);
      return true;
    },
    AfterAllowTraffic: () => runScripts('AfterAllowTraffic'),
  };

  const events: EventResult[] = [];
  for (const event of LIFECYCLE_ORDER) {
    const eventStarted = Date.now();
    try {
      const ran = await actions[event]();
      events.push({ event, status: ran ? 'Succeeded' : 'Skipped', durationMs: Date.now() - eventStarted });
    } catch (error) {
      const message = error instanceof HookFailure || error instanceof Error ? error.message : String(error);
      events.push({ event, status: 'Failed', durationMs: Date.now() - eventStarted, error: message });
      return { instance: instance.name, status: 'Failed', durationMs: Date.now() - started, events };
    }
  }
  await writeFile(lastSuccessfulFile, `${archiveDir}\n`);
  return { instance: instance.name, status: 'Succeeded', durationMs: Date.now() - started, events };
}
