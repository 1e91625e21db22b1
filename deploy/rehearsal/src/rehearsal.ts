import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LifecycleEvent } from '@dealership/revision';
import { freePort } from '@dealership/test-kit';
import { ensureServiceAccount, groupId, SERVICE_ACCOUNT, userId } from './accounts.js';
import { AGENT_DEFAULTS } from './codedeploy/agent.js';
import { AgentProcess } from './codedeploy/agent-process.js';
import {
  type AgentInstance,
  type DeploymentGroup,
  deployToInstance,
  type InstanceResult,
  type TrafficControl,
} from './codedeploy/lifecycle.js';
import { type DeploymentReport, deployRevision, newDeploymentId } from './codedeploy/rollout.js';
import { BACKEND, type HealthCheck } from './haproxy/config.js';
import { Haproxy } from './haproxy/haproxy.js';
import { provisionInstance } from './instance.js';
import { scratchDir } from './scratch.js';
import { SUPERVISOR_CLIENT, SupervisorDaemon } from './supervisor/daemon.js';
import { Supervisor } from './supervisor/supervisor.js';

export interface RehearsalOptions {
  instances: number;
  /** Shared by every instance; default: one SQLite file in the rehearsal's directory. */
  databaseUrl?: string;
  /** What the service waits after SIGTERM before it stops accepting (SHUTDOWN_DRAIN_MS). */
  shutdownDrainMs: number;
  check: HealthCheck;
  /** How long BlockTraffic waits for a drained server's sessions to end (the ALB's deregistration delay). */
  deregistrationDelayMs: number;
  /** Keep the instance roots and logs after stopping. */
  keep?: boolean;
  log?: (line: string) => void;
}

export const DEFAULT_OPTIONS: Omit<RehearsalOptions, 'instances'> = {
  // HAProxy has already drained the server when it gets SIGTERM; the service's own drain is the backstop.
  shutdownDrainMs: 500,
  check: { intervalMs: 500, rise: 2, fall: 2 },
  deregistrationDelayMs: 30_000,
};

export interface RehearsalInstance extends AgentInstance {
  /** The instance's own files: the sources of its namespace's binds, its supervisor's state. */
  root: string;
  port: number;
  url: string;
  agent: AgentProcess;
  /** The rehearsal's systemd in the instance's namespace, which the hooks' `supervisor` calls reach. */
  systemd: SupervisorDaemon;
  /** The same units and pid files, handled from the rehearsal's side (to stop the service at the end). */
  supervisor: Supervisor;
}

/** The deployment group every rehearsal deploys to, unless told otherwise. */
export const REHEARSAL_GROUP: DeploymentGroup = {
  applicationName: 'dealership',
  deploymentGroupName: 'rehearsal',
  deploymentGroupId: '00000000-0000-4000-8000-000000000000',
};

/** The service unit the hooks install and start. */
const UNIT = 'dealership.service';

/**
 * N instances of the service on this machine behind a HAProxy of their own, each with its own port and
 * its own agent (agent.ts) running in a mount namespace where /opt/dealership, /etc/dealership,
 * /etc/systemd/system and /opt/codedeploy-agent are that instance's: the hooks and the service see the
 * paths exactly as on EC2. Deployed to by the CodeDeploy lifecycle with the real hook scripts.
 */
export class Rehearsal {
  private lastGoodBundle: string | undefined;
  /** Instances started so far: a launched one is named after the count, so no name is used twice. */
  private started: number;

  private constructor(
    readonly dir: string,
    readonly options: RehearsalOptions,
    readonly instances: RehearsalInstance[],
    readonly haproxy: Haproxy,
    readonly databaseUrl: string,
    /** The admin bearer token every instance accepts (DEALERSHIP_ADMIN_TOKEN). */
    readonly token: string,
  ) {
    this.started = instances.length;
  }

  static async start(options: RehearsalOptions): Promise<Rehearsal> {
    if (!Number.isInteger(options.instances) || options.instances < 1 || options.instances > 20) {
      throw new Error(`instances must be a whole number from 1 to 20, got ${options.instances}`);
    }
    // The agent runs as root, applies appspec.yml's owners, and the unit runs the service as its user.
    if (process.getuid?.() !== 0) {
      throw new Error(
        'the rehearsal runs as root, as the CodeDeploy agent does: it gives each instance a mount namespace, ' +
          'applies appspec.yml owners and runs the service as its unit User= (sudo npm run rehearse)',
      );
    }
    await ensureServiceAccount();
    const dir = await mkdtemp(join(await scratchDir(), 'dealership-rehearsal-'));
    // The service runs as dealership: it must reach the shared SQLite file (and nothing else of ours).
    await chmod(dir, 0o711);
    const token = randomBytes(24).toString('hex');
    const databaseUrl = options.databaseUrl ?? `sqlite:${join(dir, 'shared', 'dealership.sqlite')}`;
    await mkdir(join(dir, 'shared'), { recursive: true, mode: 0o750 });
    await chown(join(dir, 'shared'), userId(SERVICE_ACCOUNT), groupId(SERVICE_ACCOUNT));

    // The rehearsal's systemctl, named by the hooks' one switch.
    await writeFile(supervisorCommand(dir), SUPERVISOR_CLIENT, { mode: 0o755 });

    const instances: RehearsalInstance[] = [];
    for (let index = 1; index <= options.instances; index += 1) {
      instances.push(await startInstance({ dir, options, databaseUrl, token }, index));
    }
    const haproxy = await Haproxy.start({
      dir,
      frontendPort: await freePort(),
      servers: instances.map((instance) => ({ name: instance.name, port: instance.port })),
      check: options.check,
    });
    const rehearsal = new Rehearsal(dir, options, instances, haproxy, databaseUrl, token);
    // Nothing is deployed yet: keep the servers out until their first AllowTraffic.
    for (const instance of instances) await haproxy.api.setState(instance.name, 'maint');
    return rehearsal;
  }

  get url(): string {
    return this.haproxy.url;
  }

  private readonly traffic: TrafficControl = {
    block: async (name) => {
      const api = this.haproxy.api;
      await api.setState(name, 'drain');
      try {
        await api.waitFor(
          name,
          'draining to 0 sessions',
          (stat) => stat.currentSessions === 0,
          this.options.deregistrationDelayMs,
        );
      } catch (error) {
        // As the ALB does at the end of the deregistration delay: close what is left and go on.
        this.options.log?.(`  ${(error as Error).message}; closing its remaining sessions`);
        await api.command(`shutdown sessions server ${BACKEND}/${name}`);
      }
      await api.setState(name, 'maint');
    },
    allow: async (name) => {
      await this.haproxy.api.setState(name, 'ready');
      const timeoutMs = this.options.check.intervalMs * (this.options.check.rise + 2) + 10_000;
      await this.haproxy.api.waitFor(
        name,
        'passing its health check (UP)',
        (stat) => stat.status === 'UP',
        timeoutMs,
      );
    },
  };

  /** Deploys a revision zip to every instance, one at a time; a failure rolls back to the last good revision. */
  async deploy(bundle: string, group: Partial<DeploymentGroup> = {}): Promise<DeploymentReport> {
    const report = await deployRevision({
      instances: this.instances,
      bundle,
      group: { ...REHEARSAL_GROUP, ...group },
      traffic: this.traffic,
      lastGoodBundle: this.lastGoodBundle,
      onInstance: (result: InstanceResult) =>
        this.options.log?.(
          `  ${result.instance}: ${result.status} in ${(result.durationMs / 1000).toFixed(1)} s`,
        ),
    });
    if (report.status === 'Succeeded') this.lastGoodBundle = bundle;
    return report;
  }

  /** The revision of the last deployment that succeeded: what CodeDeploy installs on a launched instance. */
  get lastSuccessfulRevision(): string | undefined {
    return this.lastGoodBundle;
  }

  /**
   * Starts one more instance, as an Auto Scaling group's launch does (Pending): laid out as
   * provision.sh leaves one, its agent running, its server added to HAProxy in maintenance. Nothing is
   * installed on it yet: that is CodeDeploy's launch deployment (runLifecycle with LAUNCH_EVENTS).
   */
  async launchInstance(): Promise<RehearsalInstance> {
    this.started += 1;
    const instance = await startInstance(
      { dir: this.dir, options: this.options, databaseUrl: this.databaseUrl, token: this.token },
      this.started,
    );
    this.instances.push(instance);
    await this.haproxy.api.addServer(instance.name, instance.port, this.options.check);
    return instance;
  }

  /**
   * One deployment of `bundle` to one instance with the given lifecycle events (an Auto Scaling launch
   * or termination deployment), its traffic events at HAProxy. No rollback: CodeDeploy answers the
   * lifecycle hook instead (ABANDON on a failed launch).
   */
  runLifecycle(
    instance: RehearsalInstance,
    bundle: string,
    events: readonly LifecycleEvent[],
  ): Promise<InstanceResult> {
    return deployToInstance(
      instance,
      { id: newDeploymentId(), group: REHEARSAL_GROUP, bundle },
      this.traffic,
      events,
    );
  }

  /**
   * Terminates an instance: its service stopped as systemd stops units at shutdown (KillSignal, then
   * SIGKILL after TimeoutStopSec), its agent stopped, its server taken out of HAProxy (into maintenance
   * first, should nothing have drained it) and removed, its folder deleted unless kept.
   */
  async terminateInstance(instance: RehearsalInstance): Promise<void> {
    await instance.supervisor.stop(UNIT);
    await instance.agent.stop();
    await instance.systemd.stop();
    await this.haproxy.api.setState(instance.name, 'maint');
    await this.haproxy.api.command(`shutdown sessions server ${BACKEND}/${instance.name}`);
    await this.haproxy.api.deleteServer(instance.name);
    this.instances.splice(this.instances.indexOf(instance), 1);
    if (!this.options.keep) await rm(instance.root, { recursive: true, force: true });
  }

  /** What the agent on `instance` logged of a deployment's scripts (its logs/scripts.log). */
  scriptsLog(instance: RehearsalInstance, deploymentId: string, group = REHEARSAL_GROUP): Promise<string> {
    return readFile(
      join(instance.root, AGENT_DEFAULTS.rootDir, group.deploymentGroupId, deploymentId, 'logs/scripts.log'),
      'utf8',
    );
  }

  /** Each server's state as HAProxy sees it. */
  async serverStates(): Promise<Record<string, string>> {
    const servers = await this.haproxy.api.servers();
    return Object.fromEntries(servers.map((server) => [server.name, server.status]));
  }

  /** Stops the rehearsal when the user interrupts (Ctrl-C), so no service outlives it; then exits 130. */
  stopOnInterrupt(): void {
    const interrupted = () => {
      console.error('interrupted: stopping the instances and HAProxy');
      this.stop().finally(() => process.exit(130));
    };
    process.once('SIGINT', interrupted);
    process.once('SIGTERM', interrupted);
  }

  /** Stops every service and HAProxy (each by its pid), and removes the directory unless asked to keep it. */
  async stop(): Promise<void> {
    for (const instance of this.instances) {
      await instance.supervisor.stop(UNIT);
      await instance.agent.stop();
      await instance.systemd.stop();
    }
    await this.haproxy.stop();
    if (!this.options.keep) await rm(this.dir, { recursive: true, force: true });
  }
}

interface InstanceContext {
  dir: string;
  options: RehearsalOptions;
  databaseUrl: string;
  token: string;
}

/** The rehearsal's systemctl, named by the hooks' one switch (written by Rehearsal.start). */
const supervisorCommand = (dir: string) => join(dir, 'supervisor');

/**
 * Instance number `index`: a folder laid out as provision.sh leaves an instance, the environment file
 * the launch template's user data writes, and its agent running in a mount namespace of its own.
 */
async function startInstance(
  { dir, options, databaseUrl, token }: InstanceContext,
  index: number,
): Promise<RehearsalInstance> {
  const name = `inst${index}`;
  const root = join(dir, 'instances', name);
  const port = await freePort();
  const binds = await provisionInstance(root);
  // What the launch template's user data writes on EC2.
  await writeFile(
    join(root, 'etc/dealership/dealership.env'),
    [
      `PORT=${port}`,
      'HOST=127.0.0.1',
      `DATABASE_URL=${databaseUrl}`,
      `SHUTDOWN_DRAIN_MS=${options.shutdownDrainMs}`,
      `DEALERSHIP_ADMIN_TOKEN=${token}`,
      'LOG_LEVEL=warn',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const state = join(root, 'supervisor');
  // The agent's environment is this process's, which its scripts inherit, plus the hooks' one
  // switch to the rehearsal's supervisor (on EC2 it is unset: systemd).
  const agent = AgentProcess.start({
    binds,
    env: {
      ...process.env,
      DEALERSHIP_SUPERVISOR: 'rehearsal',
      DEALERSHIP_REHEARSAL_SUPERVISOR: supervisorCommand(dir),
      DEALERSHIP_REHEARSAL_STATE: state,
    },
    logFile: join(root, 'codedeploy-agent.log'),
  });
  let systemd: SupervisorDaemon;
  try {
    systemd = await SupervisorDaemon.start({ namespacePid: agent.pid, stateDir: state });
  } catch (error) {
    await agent.stop();
    throw error;
  }
  return {
    name,
    root,
    port,
    url: `http://127.0.0.1:${port}`,
    agent,
    systemd,
    supervisor: new Supervisor(state, join(root, 'etc/systemd/system')),
  };
}
