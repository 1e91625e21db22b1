/**
 * The CodeDeploy agent's side of a deployment on one instance: the commands CodeDeploy sends it
 * (DownloadBundle, Install and one per scriptable lifecycle event), each run as the agent runs it.
 * Sources, all in aws/aws-codedeploy-agent:
 *   lib/instance_agent/plugins/codedeploy/command_executor.rb  (the commands, the deployment root)
 *   lib/instance_agent/plugins/codedeploy/hook_executor.rb     (which revision's scripts, environment)
 *   lib/instance_agent/plugins/codedeploy/command_poller.rb    (DEFAULT_HOOK_MAPPING, credentials)
 *   lib/instance_agent/platform/linux_util.rb                   (unzip, rm -rf)
 *   conf/codedeployagent.yml                                    (root_dir, max_revisions)
 *   lib/aws/codedeploy/local/deployer.rb                        (a local file revision, as codedeploy-local)
 * BlockTraffic and AllowTraffic are the load balancer's, done by CodeDeploy itself (rollout.ts).
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { type FileExistsBehavior, type LifecycleEvent, loadRevisionAppSpec } from '@dealership/revision';
import { runChecked } from '../process.js';
import { type AgentLog, runHookScript, ScriptLog } from './hook-script.js';
import { installRevision } from './install.js';

export interface AgentConfig {
  /** codedeployagent.yml `:root_dir:`. */
  rootDir: string;
  /** codedeployagent.yml `:max_revisions:`: deployment folders kept per deployment group. */
  maxRevisions: number;
  /** log_dir/codedeploy-agent.log: the agent's own log (warnings such as a script made executable). */
  logFile: string;
  /** The agent's environment, which every script inherits; default: this process's. */
  env: NodeJS.ProcessEnv;
}

/** conf/codedeployagent.yml as the agent's package installs it. */
export const AGENT_DEFAULTS: Omit<AgentConfig, 'env'> = {
  rootDir: '/opt/codedeploy-agent/deployment-root',
  maxRevisions: 5,
  logFile: '/var/log/aws/codedeploy-agent/codedeploy-agent.log',
};

/** What CodeDeploy sends with each command (deployment_specification.rb), for a local file revision. */
export interface DeploymentSpec {
  deploymentId: string;
  deploymentGroupId: string;
  deploymentGroupName: string;
  applicationName: string;
  /** The revision zip ("Local File", bundle type zip, as codedeploy-local passes it). */
  bundle: string;
  /** The deployment's fileExistsBehavior override; DISALLOW when absent (deployment_specification.rb). */
  fileExistsBehavior?: FileExistsBehavior;
  /** AppSpecFilename; default appspec.yml. */
  appSpecPath?: string;
}

/** The commands an in-place deployment sends the agent, in order (command_poller.rb DEFAULT_HOOK_MAPPING). */
export type AgentCommand = Exclude<LifecycleEvent, 'BlockTraffic' | 'AllowTraffic'>;

/**
 * hook_executor.rb MAPPING_BETWEEN_HOOKS_AND_DEPLOYMENTS: these events run the scripts of the last
 * successful Install (when the current deployment has no archive yet); the rest run the current one's.
 * A BLUE_GREEN rollback maps differently; this twin deploys in place only.
 */
const LAST_SUCCESSFUL_EVENTS: readonly AgentCommand[] = [
  'BeforeBlockTraffic',
  'AfterBlockTraffic',
  'ApplicationStop',
];

/** command_poller.rb `initialize`: the agent deletes these from its environment, so no script sees them. */
const REMOVED_FROM_ENVIRONMENT = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_CREDENTIAL_FILE'];

export class CodeDeployAgent {
  readonly config: AgentConfig;

  constructor(config: Partial<AgentConfig> = {}) {
    const env = { ...(config.env ?? process.env) };
    for (const name of REMOVED_FROM_ENVIRONMENT) delete env[name];
    this.config = { ...AGENT_DEFAULTS, ...config, env };
  }

  /** command_executor.rb `deployment_root_dir`: <root_dir>/<group id>/<deployment id>. */
  deploymentRootDir(spec: DeploymentSpec): string {
    return join(this.config.rootDir, spec.deploymentGroupId, spec.deploymentId);
  }

  get instructionsDir(): string {
    return join(this.config.rootDir, 'deployment-instructions');
  }

  /** `<group id>_last_successful_install` and `<group id>_most_recent_install`: a deployment root each. */
  lastSuccessfulInstall(groupId: string): string | undefined {
    return this.readPointer(`${groupId}_last_successful_install`);
  }

  mostRecentInstall(groupId: string): string | undefined {
    return this.readPointer(`${groupId}_most_recent_install`);
  }

  private readPointer(name: string): string | undefined {
    const file = join(this.instructionsDir, name);
    return existsSync(file) ? readFileSync(file, 'utf8').replace(/\n$/, '') : undefined;
  }

  private writePointer(name: string, spec: DeploymentSpec): void {
    writeFileSync(join(this.instructionsDir, name), this.deploymentRootDir(spec));
  }

  private readonly agentLog: AgentLog = (severity, message) => {
    mkdirSync(dirname(this.config.logFile), { recursive: true });
    appendFileSync(this.config.logFile, `${new Date().toISOString()} ${severity.toUpperCase()} ${message}\n`);
  };

  /**
   * command_executor.rb `execute_command`: creates the deployment root, then runs the command.
   * Returns Skipped for a hook event with no script in the appspec that applies (`is_command_noop?`:
   * CodeDeploy then skips the event), else Succeeded; a failure throws (HookFailure for a script).
   */
  async run(command: AgentCommand, spec: DeploymentSpec): Promise<'Succeeded' | 'Skipped'> {
    mkdirSync(this.deploymentRootDir(spec), { recursive: true });
    if (command === 'DownloadBundle') {
      await this.downloadBundle(spec);
      return 'Succeeded';
    }
    if (command === 'Install') {
      await this.install(spec);
      return 'Succeeded';
    }
    return (await this.runHooks(command, spec)) ? 'Succeeded' : 'Skipped';
  }

  /**
   * command_executor.rb DownloadBundle: drop old deployment folders beyond max_revisions (never the
   * last successful one), link the local bundle as `bundle.tar`, empty deployment-archive and unpack
   * with `unzip -qo` (linux_util.rb `extract_zip`), strip one top-level folder when it is all the
   * archive holds and it contains an appspec, then record the deployment as `_most_recent_install`.
   */
  private async downloadBundle(spec: DeploymentSpec): Promise<void> {
    this.cleanupOldArchives(spec);
    const root = this.deploymentRootDir(spec);
    const bundleFile = join(root, 'bundle.tar');
    // handle_local_file: a symlink to the local revision where a download would go.
    rmSync(bundleFile, { force: true });
    symlinkSync(spec.bundle, bundleFile);
    const archive = join(root, 'deployment-archive');
    rmSync(archive, { recursive: true, force: true });
    mkdirSync(archive, { recursive: true });
    try {
      await runChecked('unzip', ['-qo', bundleFile, '-d', archive]);
    } catch (error) {
      if (/exited with 50\b/.test((error as Error).message)) {
        rmSync(archive, { recursive: true, force: true });
        throw new Error('The disk is (or was) full during extraction.');
      }
      // The agent retries with rubyzip after any other unzip failure; this twin has no second unzip.
      throw new Error(
        `Error extracting zip archive (the agent would retry with rubyzip): ${(error as Error).message}`,
      );
    }
    const entries = readdirSync(archive);
    const top = entries.length === 1 ? join(archive, entries[0]!) : undefined;
    if (top !== undefined && isDirectory(top) && readdirSync(top).some((name) => /appspec/i.test(name))) {
      const temporary = join(root, 'deployment-archive-temp');
      rmSync(temporary, { recursive: true, force: true });
      renameSync(archive, temporary);
      renameSync(join(temporary, entries[0]!), archive);
      rmdirSync(temporary);
    }
    mkdirSync(this.instructionsDir, { recursive: true });
    this.writePointer(`${spec.deploymentGroupId}_most_recent_install`, spec);
  }

  /** command_executor.rb `cleanup_old_archives`: the oldest by mtime go first; the current and the last successful stay. */
  private cleanupOldArchives(spec: DeploymentSpec): void {
    const groupDir = join(this.config.rootDir, spec.deploymentGroupId);
    const current = this.deploymentRootDir(spec);
    const others = readdirSync(groupDir)
      .map((name) => join(groupDir, name))
      .filter((path) => path !== current);
    const extra = others.length - this.config.maxRevisions + 1;
    if (extra <= 0) return;
    const lastSuccessful = this.lastSuccessfulInstall(spec.deploymentGroupId);
    const oldest = others
      .filter((path) => path !== lastSuccessful)
      .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs)
      .slice(0, extra);
    for (const path of oldest) rmSync(path, { recursive: true, force: true });
  }

  /**
   * command_executor.rb Install: the current revision's appspec (read with the shared model, which
   * refuses unknown lifecycle events as the agent's `validate_app_spec_hooks` does and is stricter than
   * the agent elsewhere: unknown keys, timeouts over CodeDeploy's one-hour limit; the codedeploy-deploy
   * action refuses such a revision before upload), the Installer (install.ts), then
   * `_last_successful_install` names this deployment at once, before any later event has run: a
   * deployment that fails at ApplicationStart or ValidateService has still "installed successfully",
   * so the next deployment (its rollback included) runs this revision's ApplicationStop.
   */
  private async install(spec: DeploymentSpec): Promise<void> {
    const root = this.deploymentRootDir(spec);
    mkdirSync(this.instructionsDir, { recursive: true });
    installRevision({
      spec: await loadRevisionAppSpec(join(root, 'deployment-archive'), spec.appSpecPath),
      archiveDir: join(root, 'deployment-archive'),
      instructionsDir: this.instructionsDir,
      deploymentGroupId: spec.deploymentGroupId,
      fileExistsBehavior: spec.fileExistsBehavior,
    });
    this.writePointer(`${spec.deploymentGroupId}_last_successful_install`, spec);
  }

  /**
   * hook_executor.rb: pick the revision whose scripts run (the last successful Install's for
   * LAST_SUCCESSFUL_EVENTS when this deployment has no archive yet), read its appspec, and run the
   * event's scripts in order with the agent's whole environment plus LIFECYCLE_EVENT, DEPLOYMENT_ID,
   * APPLICATION_NAME, DEPLOYMENT_GROUP_NAME and DEPLOYMENT_GROUP_ID. (An S3 revision adds BUNDLE_BUCKET,
   * BUNDLE_KEY, BUNDLE_VERSION and BUNDLE_ETAG, a GitHub one BUNDLE_COMMIT; a local file, none.)
   * Output goes to the current deployment's logs/scripts.log. Returns false when there is nothing to run.
   */
  private async runHooks(event: AgentCommand, spec: DeploymentSpec): Promise<boolean> {
    let root: string | undefined = this.deploymentRootDir(spec);
    if (LAST_SUCCESSFUL_EVENTS.includes(event) && !existsSync(join(root, 'deployment-archive'))) {
      root = this.lastSuccessfulInstall(spec.deploymentGroupId);
    }
    if (root === undefined) return false;
    const archiveDir = join(root, 'deployment-archive');
    const scripts = (await loadRevisionAppSpec(archiveDir, spec.appSpecPath)).hooks[event] ?? [];
    if (scripts.length === 0) return false;

    const log = new ScriptLog(
      join(this.deploymentRootDir(spec), 'logs', 'scripts.log'),
      join(this.config.rootDir, 'deployment-logs', 'codedeploy-agent-deployments.log'),
      spec.deploymentId,
    );
    const env: NodeJS.ProcessEnv = {
      ...this.config.env,
      LIFECYCLE_EVENT: event,
      DEPLOYMENT_ID: spec.deploymentId,
      APPLICATION_NAME: spec.applicationName,
      DEPLOYMENT_GROUP_NAME: spec.deploymentGroupName,
      DEPLOYMENT_GROUP_ID: spec.deploymentGroupId,
    };
    log.write(`LifecycleEvent - ${event}\n`);
    for (const script of scripts) {
      await runHookScript({ script, archiveDir, env, log, agentLog: this.agentLog });
    }
    return true;
  }
}

const isDirectory = (path: string) => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
