import { existsSync, lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAppSpec } from '@dealership/revision';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { groupId, SERVICE_ACCOUNT } from '../accounts.js';
import { cleanupFileOf, installRevision, matchesSimpleGlob, parseRemoveCommands } from './install.js';

/**
 * The twin of the agent's Install (installer.rb, install_instruction.rb, linux_permission_info.rb in
 * aws/aws-codedeploy-agent). Every destination is a temporary folder written into the appspec exactly,
 * as the agent takes it.
 */
describe('installRevision', () => {
  let dir: string;
  let app: string;
  const instructions = () => join(dir, 'deployment-instructions');
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'install-test-'));
    app = join(dir, 'app');
    await mkdir(instructions());
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const revision = async (name: string, files: Record<string, string>) => {
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(dir, name, path, '..'), { recursive: true });
      await writeFile(join(dir, name, path), text);
    }
    return join(dir, name);
  };
  const spec = (extra = '') =>
    parseAppSpec(`version: 0.0\nos: linux\nfiles:\n  - source: /\n    destination: ${app}\n${extra}`);
  const install = (archiveDir: string, extra = '') =>
    installRevision({
      spec: spec(extra),
      archiveDir,
      instructionsDir: instructions(),
      deploymentGroupId: 'group-1',
    });
  const cleanup = () => readFileSync(cleanupFileOf(instructions(), 'group-1'), 'utf8');
  const mode = (path: string) => (statSync(join(app, path)).mode & 0o7777).toString(8);
  const owner = (path: string) => {
    const stat = statSync(join(app, path));
    return `${stat.uid}:${stat.gid}`;
  };

  it('copies into the destination as written, creating it and its missing parents, and records both in the cleanup file', async () => {
    app = join(dir, 'deep', 'app');
    install(await revision('one', { 'a.txt': '1', 'lib/b.txt': '2' }));
    expect(readFileSync(join(app, 'lib/b.txt'), 'utf8')).toBe('2');
    const lines = cleanup().trim().split('\n');
    expect(lines.slice(0, 2)).toEqual([join(dir, 'deep'), app]);
    expect([...lines].sort()).toEqual(
      [join(dir, 'deep'), app, join(app, 'a.txt'), join(app, 'lib'), join(app, 'lib/b.txt')].sort(),
    );
  });

  it('removes what the previous Install created before copying, leaving what it did not create', async () => {
    await mkdir(app);
    install(await revision('one', { 'a.txt': '1', 'old/gone.txt': 'x', 'kept/x.txt': 'x' }));
    await writeFile(join(app, 'kept/by-hand.txt'), 'not the agent’s');
    install(await revision('two', { 'a.txt': '2' }));
    expect(readFileSync(join(app, 'a.txt'), 'utf8')).toBe('2');
    expect(existsSync(join(app, 'old'))).toBe(false);
    // RemoveCommand: a folder that is not empty stays (ENOTEMPTY is ignored), its other files too.
    expect(existsSync(join(app, 'kept/x.txt'))).toBe(false);
    expect(existsSync(join(app, 'kept/by-hand.txt'))).toBe(true);
    // The install directory existed before, so it is neither created nor removed.
    expect(cleanup().trim().split('\n')).toEqual([join(app, 'a.txt')]);
  });

  it('reads a cleanup file as the agent does: reversed, without a last line cut short', () => {
    expect(parseRemoveCommands('/a\n/a/b\n/a/b/c')).toEqual(['/a/b', '/a']);
    expect(parseRemoveCommands('')).toEqual([]);
    expect(parseRemoveCommands('semanage\0/x\n/y\n')).toEqual(['/y']);
  });

  it('honours file_exists_behavior, the appspec’s over the deployment’s, with the agent’s message', async () => {
    await mkdir(app);
    await writeFile(join(app, 'a.txt'), 'by hand');
    const archiveDir = await revision('one', { 'a.txt': '1' });
    expect(() => install(archiveDir)).toThrow(
      `The deployment failed because a specified file already exists at this location: ${join(app, 'a.txt')}`,
    );
    installRevision({
      spec: spec('file_exists_behavior: RETAIN\n'),
      archiveDir,
      instructionsDir: instructions(),
      deploymentGroupId: 'group-1',
      fileExistsBehavior: 'OVERWRITE',
    });
    expect(readFileSync(join(app, 'a.txt'), 'utf8')).toBe('by hand');
    installRevision({
      spec: spec(),
      archiveDir,
      instructionsDir: instructions(),
      deploymentGroupId: 'group-1',
      fileExistsBehavior: 'OVERWRITE',
    });
    expect(readFileSync(join(app, 'a.txt'), 'utf8')).toBe('1');
  });

  it('copies a symlink as a link, and keeps the mode and times of each file', async () => {
    const archiveDir = await revision('one', { 'bin/run.sh': '#!/bin/sh\n' });
    await chmod(join(archiveDir, 'bin/run.sh'), 0o751);
    const stamp = new Date('2001-02-03T04:05:06Z');
    await utimes(join(archiveDir, 'bin/run.sh'), stamp, stamp);
    await symlink('bin/run.sh', join(archiveDir, 'run'));
    install(archiveDir);
    expect(lstatSync(join(app, 'run')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(app, 'run'))).toBe('bin/run.sh');
    expect(mode('bin/run.sh')).toBe('751');
    expect(statSync(join(app, 'bin/run.sh')).mtime.toISOString()).toBe(stamp.toISOString());
  });

  it('applies a rule only strictly below its object, to what this Install copies or creates', async () => {
    await mkdir(app, { mode: 0o755 });
    await chmod(app, 0o755);
    const archiveDir = await revision('one', { 'a.txt': '1', 'lib/b.txt': '2' });
    install(
      archiveDir,
      `permissions:\n  - object: ${app}\n    mode: 700\n  - object: ${join(dir, 'nowhere')}\n    mode: 777\n`,
    );
    expect(mode('.')).toBe('755');
    expect(mode('a.txt')).toBe('700');
    expect(mode('lib')).toBe('700');
    expect(mode('lib/b.txt')).toBe('700');
  });

  it('matches a pattern against direct children only, except "**"', async () => {
    const archiveDir = await revision('one', { 'run.sh': '', 'bin/deep.sh': '', 'bin/data.txt': '' });
    install(
      archiveDir,
      `permissions:\n  - object: ${app}\n    pattern: "*.sh"\n    mode: 700\n    type: [file]\n`,
    );
    expect(mode('run.sh')).toBe('700');
    expect(mode('bin/deep.sh')).toBe('644');
    expect(mode('bin/data.txt')).toBe('644');
  });

  it('excludes direct children only, and reads ? and [ as themselves', async () => {
    expect(matchesSimpleGlob('run.sh', '*.sh')).toBe(true);
    expect(matchesSimpleGlob('a/run.sh', '*.sh')).toBe(false);
    expect(matchesSimpleGlob('abc', 'a?c')).toBe(false);
    expect(matchesSimpleGlob('a?c', 'a?c')).toBe(true);
    expect(matchesSimpleGlob('[x]', '[x]')).toBe(true);
    const archiveDir = await revision('one', { 'keep.txt': '', 'x.txt': '', 'sub/keep.txt': '' });
    install(
      archiveDir,
      `permissions:\n  - object: ${app}\n    except: [keep.txt]\n    mode: 600\n    type: [file]\n`,
    );
    expect(mode('keep.txt')).toBe('644');
    expect(mode('x.txt')).toBe('600');
    expect(mode('sub/keep.txt')).toBe('600');
  });

  it('applies a rule on one copied file, and refuses a pattern on it', async () => {
    const archiveDir = await revision('one', { 'a.txt': '', 'b.txt': '' });
    install(archiveDir, `permissions:\n  - object: ${join(app, 'a.txt')}\n    mode: 600\n`);
    expect(mode('a.txt')).toBe('600');
    expect(mode('b.txt')).toBe('644');
    expect(() =>
      install(
        archiveDir,
        `permissions:\n  - object: ${join(app, 'a.txt')}\n    pattern: "*"\n    mode: 600\n`,
      ),
    ).toThrow(`includes an object (${join(app, 'a.txt')}) with an invalid pattern (*)`);
  });

  it('applies owner and group, and fails when either does not exist', async () => {
    const archiveDir = await revision('one', { 'a.txt': '' });
    install(
      archiveDir,
      `permissions:\n  - object: ${app}\n    owner: root\n    group: ${SERVICE_ACCOUNT}\n    mode: 640\n`,
    );
    expect(owner('a.txt')).toBe(`0:${groupId(SERVICE_ACCOUNT)}`);
    expect(() => install(archiveDir, `permissions:\n  - object: ${app}\n    owner: no-such-user\n`)).toThrow(
      "can't find user for no-such-user",
    );
    expect(() => install(archiveDir, `permissions:\n  - object: ${app}\n    group: no-such-group\n`)).toThrow(
      "can't find group for no-such-group",
    );
    // The files were copied before the chown failed, and the cleanup file lists them for next time.
    expect(cleanup()).toContain(join(app, 'a.txt'));
  });

  it('fails a path matched by two rules with the agent’s message, after removing the previous install and before copying', async () => {
    await mkdir(app);
    install(await revision('one', { 'old.txt': '' }));
    const archiveDir = await revision('two', { 'deploy/hooks/go.sh': '' });
    const overlapping = `permissions:
  - object: ${app}
    mode: 640
    type: [file]
  - object: ${join(app, 'deploy/hooks')}
    pattern: "*.sh"
    mode: 750
    type: [file]
`;
    expect(() => install(archiveDir, overlapping)).toThrow(
      `The deployment failed because the permissions setting for (${join(app, 'deploy/hooks/go.sh')}) is specified more than once in the application specification file. Update the files section of the AppSpec file, and then try again.`,
    );
    expect(existsSync(join(app, 'old.txt'))).toBe(false);
    expect(existsSync(join(app, 'deploy'))).toBe(false);
    expect(existsSync(cleanupFileOf(instructions(), 'group-1'))).toBe(false);
  });

  it('refuses two sources for one destination', async () => {
    const archiveDir = await revision('one', { 'a/x.txt': '1', 'b/x.txt': '2' });
    expect(() =>
      installRevision({
        spec: parseAppSpec(
          `version: 0.0\nos: linux\nfiles:\n  - source: a/x.txt\n    destination: ${app}\n  - source: b/x.txt\n    destination: ${app}\n`,
        ),
        archiveDir,
        instructionsDir: instructions(),
        deploymentGroupId: 'group-1',
      }),
    ).toThrow(
      `specifies two source files named ${join(archiveDir, 'b/x.txt')} and ${join(archiveDir, 'a/x.txt')}`,
    );
  });

  it('writes the instructions it ran to <group>-install.json', async () => {
    install(await revision('one', { 'a.txt': '' }), `permissions:\n  - object: ${app}\n    mode: 600\n`);
    const { instructions: ran } = JSON.parse(
      await readFile(join(instructions(), 'group-1-install.json'), 'utf8'),
    ) as { instructions: { type: string }[] };
    expect(ran.map((command) => command.type)).toEqual(['mkdir', 'copy', 'chmod']);
  });
});
