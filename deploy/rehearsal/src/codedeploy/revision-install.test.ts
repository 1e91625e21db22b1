import { readdirSync, statSync } from 'node:fs';
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { groupId, SERVICE_ACCOUNT } from '../accounts.js';
import { provisionInstance } from '../instance.js';
import { runChecked } from '../process.js';
import { scratchDir } from '../scratch.js';
import type { AgentCommand, DeploymentSpec } from './agent.js';
import { AgentProcess } from './agent-process.js';

/**
 * The repository's real revision, installed by the agent's twin on an instance laid out as
 * deploy/image/provision.sh leaves one, in a mount namespace, so /opt/dealership/app is exactly the
 * path appspec.yml names. This is the real agent's acceptance of appspec.yml (a path reached by two
 * permissions rules fails Install) and the documented result: the install directory root:dealership
 * 0750, every folder below it root:dealership 0750, the hooks root:root 0700, every other file
 * root:dealership 0640.
 */
describe("the repository's revision, installed by the agent's twin", () => {
  const bundle = inject('revisions').production.one.file;
  let dir: string;
  let root: string;
  let agent: AgentProcess;
  let deployments = 0;
  const serviceGroup = () => groupId(SERVICE_ACCOUNT);

  beforeAll(async () => {
    // Where the rehearsal puts its instances: memory-backed when it can, as thousands of files move.
    dir = await mkdtemp(join(await scratchDir(), 'revision-install-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    root = await mkdtemp(join(dir, 'instance-'));
    const binds = await provisionInstance(root);
    await writeFile(join(root, 'etc/dealership/dealership.env'), 'DATABASE_URL=mysql://db/dealership\n');
    agent = AgentProcess.start({ binds, env: process.env, logFile: join(root, 'agent.log') });
  });
  afterEach(async () => {
    await agent.stop();
  });

  const deploy = async (zip: string, commands: AgentCommand[]) => {
    const spec: DeploymentSpec = {
      deploymentId: `d-REVISION${++deployments}`,
      deploymentGroupId: 'group-1',
      deploymentGroupName: 'rehearsal',
      applicationName: 'dealership',
      bundle: zip,
    };
    for (const command of commands) await agent.run(command, spec);
  };
  const UP_TO_INSTALL: AgentCommand[] = ['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install'];

  /** Every path under the instance's install directory, with its owner, group and mode. */
  function installed(): Map<string, string> {
    const app = join(root, 'opt/dealership/app');
    const result = new Map<string, string>();
    const walk = (relative: string) => {
      const stat = statSync(join(app, relative));
      const owner = `${stat.uid === 0 ? 'root' : stat.uid}:${stat.gid === 0 ? 'root' : stat.gid === serviceGroup() ? SERVICE_ACCOUNT : stat.gid}`;
      result.set(relative || '.', `${owner} ${(stat.mode & 0o7777).toString(8)}`);
      if (stat.isDirectory())
        for (const name of readdirSync(join(app, relative))) walk(relative ? `${relative}/${name}` : name);
    };
    walk('');
    return result;
  }
  const expected = (path: string) => {
    if (path === '.') return `root:${SERVICE_ACCOUNT} 750`;
    if (path.startsWith('deploy/hooks/')) return 'root:root 700';
    return statSync(join(root, 'opt/dealership/app', path)).isDirectory()
      ? `root:${SERVICE_ACCOUNT} 750`
      : `root:${SERVICE_ACCOUNT} 640`;
  };

  it('installs with one rule per path and the documented owners and modes, twice in a row', async () => {
    await deploy(bundle, UP_TO_INSTALL);
    const first = installed();
    expect(first.get('service/dist/main.js')).toBe(`root:${SERVICE_ACCOUNT} 640`);
    expect(first.get('service/dist/cli')).toBe(`root:${SERVICE_ACCOUNT} 750`);
    expect(first.get('service/node_modules/swagger-ui-dist/swagger-ui.css')).toBe(
      `root:${SERVICE_ACCOUNT} 640`,
    );
    expect(first.get('deploy/hooks/before-install.sh')).toBe('root:root 700');
    const wrong = [...first].filter(([path, got]) => got !== expected(path));
    expect(wrong).toEqual([]);

    // The next deployment: the agent removes what the first installed, BeforeInstall removes nothing.
    await deploy(bundle, UP_TO_INSTALL);
    expect(installed()).toEqual(first);
  }, 120_000);

  it('repairs an install directory an older image left root:root 0755 (BeforeInstall), which Install never touches', async () => {
    const app = join(root, 'opt/dealership/app');
    await chown(app, 0, 0);
    await chmod(app, 0o755);
    await deploy(bundle, UP_TO_INSTALL);
    expect(installed().get('.')).toBe(`root:${SERVICE_ACCOUNT} 750`);
  }, 120_000);

  it('is refused at Install, as by the real agent, with the permissions appspec.yml had before', async () => {
    const unpacked = join(dir, 'overlapping');
    await runChecked('unzip', ['-q', bundle, '-d', unpacked]);
    const appspec = await readFile(join(unpacked, 'appspec.yml'), 'utf8');
    const overlapping = appspec.replace(
      /^permissions:\n(?: .*\n|#.*\n)*/m,
      `permissions:
  - object: /opt/dealership/app
    owner: root
    group: dealership
    mode: 750
    type: [directory]
  - object: /opt/dealership/app
    owner: root
    group: dealership
    mode: 640
    type: [file]
  - object: /opt/dealership/app/deploy/hooks
    pattern: "*.sh"
    owner: root
    group: root
    mode: 750
    type: [file]
`,
    );
    expect(overlapping).not.toBe(appspec);
    await writeFile(join(unpacked, 'appspec.yml'), overlapping);
    const zip = join(dir, 'overlapping.zip');
    await runChecked('zip', ['-q', '-r', zip, '.'], { cwd: unpacked });
    await expect(deploy(zip, UP_TO_INSTALL)).rejects.toThrow(
      /^The deployment failed because the permissions setting for \(\/opt\/dealership\/app\/deploy\/hooks\/[a-z-]+\.sh\) is specified more than once in the application specification file\./,
    );
  }, 120_000);
});
