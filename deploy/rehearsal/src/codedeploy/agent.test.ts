import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIFECYCLE_ORDER } from '@dealership/revision';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runChecked } from '../process.js';
import { type AgentCommand, CodeDeployAgent, type DeploymentSpec } from './agent.js';
import { HookFailure } from './hook-script.js';

/**
 * The twin of the agent's command handling (command_executor.rb, hook_executor.rb, command_poller.rb
 * in aws/aws-codedeploy-agent), run in this process with its root_dir in a temporary folder. Each
 * behaviour that spans deployments is tested as that sequence.
 */
describe('CodeDeployAgent', () => {
  let dir: string;
  let agent: CodeDeployAgent;
  let app: string;
  let deployments = 0;
  const ran = () => join(dir, 'ran');
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agent-test-'));
    app = join(dir, 'app');
    agent = new CodeDeployAgent({
      rootDir: join(dir, 'deployment-root'),
      logFile: join(dir, 'agent.log'),
      env: { ...process.env, AGENT_ONLY: 'from the agent', AWS_ACCESS_KEY_ID: 'AKIA-SHOULD-NOT-LEAK' },
    });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A revision zip whose hooks append "<event> <label>" to a file; `failAt` makes that event's script exit 1. */
  const revision = async (
    label: string,
    options: { failAt?: string; topFolder?: string; extra?: string } = {},
  ) => {
    const root = join(dir, 'src', label, options.topFolder ?? '');
    await mkdir(join(root, 'hooks'), { recursive: true });
    const events = [
      'ApplicationStop',
      'BeforeInstall',
      'AfterInstall',
      'ApplicationStart',
      'ValidateService',
    ];
    for (const event of events) {
      await writeFile(
        join(root, 'hooks', `${event}.sh`),
        `#!/bin/sh\necho "$LIFECYCLE_EVENT ${label}" >> '${ran()}'\n${event === options.failAt ? 'exit 1\n' : ''}`,
        { mode: 0o755 },
      );
    }
    await writeFile(
      join(root, 'appspec.yml'),
      `version: 0.0\nos: linux\nfiles:\n  - source: /\n    destination: ${app}\nfile_exists_behavior: OVERWRITE\nhooks:\n${events
        .map((event) => `  ${event}:\n    - location: hooks/${event}.sh\n      timeout: 10\n`)
        .join('')}${options.extra ?? ''}`,
    );
    const zip = join(dir, `${label}.zip`);
    await runChecked('zip', ['-q', '-r', zip, '.'], { cwd: join(dir, 'src', label) });
    return zip;
  };
  const spec = (bundle: string): DeploymentSpec => ({
    deploymentId: `d-TEST0000${++deployments}`,
    deploymentGroupId: 'group-1',
    deploymentGroupName: 'rehearsal',
    applicationName: 'dealership',
    bundle,
  });
  /** ApplicationStop through ValidateService: the commands an instance's agent runs between the traffic events. */
  const COMMANDS = LIFECYCLE_ORDER.slice(
    LIFECYCLE_ORDER.indexOf('ApplicationStop'),
    LIFECYCLE_ORDER.indexOf('ValidateService') + 1,
  ) as AgentCommand[];
  /** The commands in CodeDeploy's order until one fails; returns each one's outcome. */
  const deploy = async (deployment: DeploymentSpec) => {
    const outcomes: string[] = [];
    for (const command of COMMANDS) {
      try {
        outcomes.push(`${command} ${await agent.run(command, deployment)}`);
      } catch (error) {
        const message = error instanceof HookFailure ? error.agentMessage : (error as Error).message;
        outcomes.push(`${command} Failed: ${message}`);
        break;
      }
    }
    return outcomes;
  };
  const ranLines = () => (existsSync(ran()) ? readFileSync(ran(), 'utf8').trim().split('\n') : []);

  it('skips ApplicationStop on a first deployment, then runs every event of the revision', async () => {
    const outcomes = await deploy(spec(await revision('one')));
    expect(outcomes).toEqual([
      'ApplicationStop Skipped',
      'DownloadBundle Succeeded',
      'BeforeInstall Succeeded',
      'Install Succeeded',
      'AfterInstall Succeeded',
      'ApplicationStart Succeeded',
      'ValidateService Succeeded',
    ]);
    expect(ranLines()).toEqual([
      'BeforeInstall one',
      'AfterInstall one',
      'ApplicationStart one',
      'ValidateService one',
    ]);
  });

  it('names a deployment as last successful right after its Install, so a revision that failed ValidateService runs its own ApplicationStop next', async () => {
    const first = spec(await revision('one'));
    await deploy(first);
    const broken = spec(await revision('two', { failAt: 'ValidateService' }));
    expect((await deploy(broken)).at(-1)).toBe(
      'ValidateService Failed: Script at specified location: hooks/ValidateService.sh failed with exit code 1',
    );
    expect(agent.lastSuccessfulInstall('group-1')).toBe(agent.deploymentRootDir(broken));
    expect(agent.mostRecentInstall('group-1')).toBe(agent.deploymentRootDir(broken));
    // The rollback (a new deployment of revision one) stops what is there with revision two's script.
    await deploy(spec(await revision('one-again')));
    expect(ranLines().filter((line) => line.startsWith('ApplicationStop'))).toEqual([
      'ApplicationStop one',
      'ApplicationStop two',
    ]);
  });

  it('keeps the last successful Install when Install itself fails, and records the download as most recent', async () => {
    const first = spec(await revision('one'));
    await deploy(first);
    const unreadable = spec(
      await revision('two', { extra: `permissions:\n  - object: ${app}\n    owner: no-such-user\n` }),
    );
    expect((await deploy(unreadable)).at(-1)).toBe("Install Failed: can't find user for no-such-user");
    expect(agent.lastSuccessfulInstall('group-1')).toBe(agent.deploymentRootDir(first));
    expect(agent.mostRecentInstall('group-1')).toBe(agent.deploymentRootDir(unreadable));
  });

  it('leaves no application after a failed Install, whatever BeforeInstall does, until the rollback installs the last good revision', async () => {
    await mkdir(app); // as the image creates it
    await deploy(spec(await revision('one')));
    expect(existsSync(join(app, 'hooks/ValidateService.sh'))).toBe(true);

    const broken = spec(
      await revision('two', {
        extra: `permissions:\n  - object: ${app}\n    mode: 640\n  - object: ${join(app, 'hooks')}\n    mode: 700\n`,
      }),
    );
    expect((await deploy(broken)).at(-1)).toMatch(
      /^Install Failed: The deployment failed because the permissions setting for/,
    );
    // The agent removed revision one's files before it refused the appspec.
    expect(readdirSync(app)).toEqual([]);

    // The automatic rollback: revision one again, stopped first with revision one's own script (two never installed).
    expect((await deploy(spec(await revision('one-again')))).at(-1)).toBe('ValidateService Succeeded');
    expect(existsSync(join(app, 'hooks/ValidateService.sh'))).toBe(true);
    expect(ranLines().filter((line) => line.startsWith('ApplicationStop'))).toEqual([
      'ApplicationStop one',
      'ApplicationStop one',
    ]);
  });

  it('fails only the event whose script is missing, with ScriptMissing', async () => {
    const zip = await revision('one');
    await runChecked('zip', ['-q', '-d', zip, 'hooks/ApplicationStart.sh']);
    const deployment = spec(zip);
    const outcomes = await deploy(deployment);
    expect(outcomes.slice(-2)).toEqual([
      'AfterInstall Succeeded',
      `ApplicationStart Failed: Script does not exist at specified location: ${join(agent.deploymentRootDir(deployment), 'deployment-archive/hooks/ApplicationStart.sh')}`,
    ]);
    await expect(agent.run('ApplicationStart', deployment)).rejects.toMatchObject({ code: 'ScriptMissing' });
    await expect(agent.run('ApplicationStart', deployment)).rejects.toBeInstanceOf(HookFailure);
  });

  it('gives scripts its whole environment, less AWS credentials, plus the five lifecycle variables', async () => {
    const zip = await revision('one');
    const deployment = spec(zip);
    await agent.run('DownloadBundle', deployment);
    const script = join(agent.deploymentRootDir(deployment), 'deployment-archive/hooks/BeforeInstall.sh');
    await writeFile(
      script,
      `#!/bin/sh\necho "$AGENT_ONLY|\${AWS_ACCESS_KEY_ID-unset}|$LIFECYCLE_EVENT|$DEPLOYMENT_ID|$APPLICATION_NAME|$DEPLOYMENT_GROUP_NAME|$DEPLOYMENT_GROUP_ID" > '${ran()}'\n`,
    );
    await agent.run('BeforeInstall', deployment);
    expect(ranLines()).toEqual([
      `from the agent|unset|BeforeInstall|${deployment.deploymentId}|dealership|rehearsal|group-1`,
    ]);
  });

  it('logs every event’s scripts, the previous revision’s too, to the current deployment’s logs/scripts.log', async () => {
    await deploy(spec(await revision('one')));
    const second = spec(await revision('two'));
    await deploy(second);
    const log = readFileSync(join(agent.deploymentRootDir(second), 'logs/scripts.log'), 'utf8');
    expect(log).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d LifecycleEvent - ApplicationStop\n/);
    expect(log).toContain(' Script - hooks/ApplicationStop.sh\n');
    expect(log).toContain(' LifecycleEvent - ValidateService\n');
  });

  it('unpacks with unzip -o and strips one top-level folder only when it holds the appspec', async () => {
    const nested = spec(await revision('nested', { topFolder: 'bundle-1.0' }));
    expect(await deploy(nested)).toContain('Install Succeeded');
    expect(existsSync(join(agent.deploymentRootDir(nested), 'deployment-archive/appspec.yml'))).toBe(true);

    await mkdir(join(dir, 'src', 'no-appspec', 'only'), { recursive: true });
    await writeFile(join(dir, 'src', 'no-appspec', 'only', 'readme.txt'), 'x');
    const zip = join(dir, 'no-appspec.zip');
    await runChecked('zip', ['-q', '-r', zip, '.'], { cwd: join(dir, 'src', 'no-appspec') });
    const plain = spec(zip);
    await agent.run('DownloadBundle', plain);
    expect(readdirSync(join(agent.deploymentRootDir(plain), 'deployment-archive'))).toEqual(['only']);
    await expect(agent.run('Install', plain)).rejects.toThrow('did not find an AppSpec file');
  });

  it('keeps max_revisions deployment folders, never deleting the last successful one', async () => {
    const first = spec(await revision('one'));
    await deploy(first);
    const folders: string[] = [agent.deploymentRootDir(first)];
    for (let i = 0; i < 6; i += 1) {
      // Downloads that never install: the last successful deployment stays the first.
      const deployment = spec(await revision(`r${i}`));
      await agent.run('DownloadBundle', deployment);
      folders.push(agent.deploymentRootDir(deployment));
      // mtime decides which go first.
      const stamp = new Date(Date.UTC(2020, 0, 1 + i));
      await utimes(agent.deploymentRootDir(deployment), stamp, stamp);
    }
    const kept = readdirSync(join(dir, 'deployment-root', 'group-1')).map((name) =>
      join(dir, 'deployment-root', 'group-1', name),
    );
    expect(kept.sort()).toEqual([folders[0], ...folders.slice(-4)].sort());
  });
});
