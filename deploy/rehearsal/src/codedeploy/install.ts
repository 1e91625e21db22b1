/**
 * The agent's Install command, rule for rule. Sources, all in aws/aws-codedeploy-agent:
 *   lib/instance_agent/plugins/codedeploy/installer.rb          (Installer: cleanup, instructions)
 *   lib/instance_agent/plugins/codedeploy/install_instruction.rb (CommandBuilder and the commands)
 *   lib/instance_agent/plugins/codedeploy/application_specification/linux_permission_info.rb
 * Paths are used exactly as written: a destination of /opt/dealership/app is /opt/dealership/app. The
 * rehearsal gives each instance its own /opt/dealership with a mount namespace, not by rewriting paths.
 * The work is synchronous, in order, as the agent's is: the order decides what the cleanup file holds
 * when a step fails half way.
 */
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  opendirSync,
  readFileSync,
  readlinkSync,
  rmdirSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { AppSpec, FileExistsBehavior, PermissionRule } from '@dealership/revision';
import { groupId, userId } from '../accounts.js';

export type InstallCommand =
  | { type: 'copy'; source: string; destination: string }
  | { type: 'mkdir'; directory: string }
  | { type: 'chmod'; mode: string; file: string }
  | { type: 'chown'; owner?: string; group?: string; file: string };

export interface InstallOptions {
  spec: AppSpec;
  /** The unpacked revision: <root_dir>/<group id>/<deployment id>/deployment-archive. */
  archiveDir: string;
  /** <root_dir>/deployment-instructions, where the cleanup file and install.json live. */
  instructionsDir: string;
  deploymentGroupId: string;
  /**
   * The deployment's fileExistsBehavior (deployment_specification.rb: DISALLOW unless the deployment
   * overrides it); the appspec's own file_exists_behavior wins over it (installer.rb).
   */
  fileExistsBehavior?: FileExistsBehavior;
}

/** `<group id>-cleanup`: what the last Install created, one path a line (installer.rb). */
export const cleanupFileOf = (instructionsDir: string, deploymentGroupId: string) =>
  join(instructionsDir, `${deploymentGroupId}-cleanup`);

/**
 * installer.rb `install`: first remove what the previous Install of this deployment group created (its
 * cleanup file) and delete that file; then work out every copy, mkdir, chmod and chown (where a bad
 * appspec fails, after that removal and before anything is copied); write them to `<group>-install.json`;
 * run them in order, recording each copied and created path in a new cleanup file.
 */
export function installRevision(options: InstallOptions): { commands: number } {
  const cleanupFile = cleanupFileOf(options.instructionsDir, options.deploymentGroupId);
  if (existsSync(cleanupFile)) {
    for (const path of parseRemoveCommands(readFileSync(cleanupFile, 'utf8'))) removePath(path);
    rmSync(cleanupFile);
  }

  const builder = generateInstructions(options);
  writeFileSync(
    join(options.instructionsDir, `${options.deploymentGroupId}-install.json`),
    JSON.stringify({ instructions: builder.commands }),
  );
  const created: string[] = [];
  const ids = new Map<string, number>();
  try {
    for (const command of builder.commands) execute(command, created, ids);
  } finally {
    // The agent writes each line as it goes, so a failed Install still lists what it had created.
    writeFileSync(cleanupFile, created.map((path) => `${path}\n`).join(''));
  }
  return { commands: builder.commands.length };
}

/**
 * install_instruction.rb `parse_remove_commands`: one path a line, a last line without its newline
 * dropped (an Install cut short), in reverse order so files go before their folders. SELinux context
 * lines (`semanage\0…`) are the agent's too; the appspec model has no `context`, so none are written.
 */
export function parseRemoveCommands(contents: string): string[] {
  if (contents === '') return [];
  const lines = contents.split(/(?<=\n)/);
  if (!lines.at(-1)!.endsWith('\n')) lines.pop();
  return lines
    .filter((line) => !line.startsWith('semanage\0'))
    .map((line) => line.trim())
    .reverse();
}

/**
 * install_instruction.rb RemoveCommand: a symlink is removed itself; a folder is removed only when
 * empty (ENOTEMPTY is ignored, so a folder that holds files the agent did not put there stays); a path
 * that no longer exists is ignored.
 */
function removePath(path: string): void {
  if (lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) {
    unlinkSync(path);
    return;
  }
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return;
  if (!stat.isDirectory()) {
    unlinkSync(path);
    return;
  }
  try {
    rmdirSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOTEMPTY') throw error;
  }
}

/** `File.directory?` and `File.exist?`: both follow symlinks. */
const isDirectory = (path: string) => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
const exists = (path: string) => existsSync(path);

/** installer.rb `generate_instructions`. */
export function generateInstructions(options: InstallOptions): CommandBuilder {
  const builder = new CommandBuilder();
  const behavior = options.spec.declaredFileExistsBehavior ?? options.fileExistsBehavior ?? 'DISALLOW';
  for (const mapping of options.spec.files) {
    const source = join(options.archiveDir, mapping.source);
    if (isDirectory(source)) {
      fillInMissingAncestors(builder, mapping.destination);
      generateDirectoryCopy(builder, source, mapping.destination, behavior);
    } else {
      // A file source lands inside the destination folder, under its own name.
      const destination = join(mapping.destination, basename(source));
      fillInMissingAncestors(builder, destination);
      generateNormalCopy(builder, source, destination, behavior);
    }
  }

  for (const rule of options.spec.permissions) {
    // A file this Install copies: the rule applies to that file alone, and only as pattern "**".
    if (builder.copyingFile(rule.object)) {
      if (rule.types.includes('file')) {
        validateFilePermission(rule);
        builder.setPermissions(rule.object, rule);
      }
    } else if (builder.makingDirectory(rule.object) || isDirectory(rule.object)) {
      // A folder (created now or already there): the rule applies to what this Install copies or
      // creates strictly below it, never to the folder itself.
      for (const match of builder.findMatches(rule)) builder.setPermissions(match, rule);
    }
    // Anything else (an object that is neither) is silently ignored, as by the agent.
  }
  return builder;
}

/** installer.rb: a folder source creates its destination unless it is a folder already, then recurses. */
function generateDirectoryCopy(
  builder: CommandBuilder,
  source: string,
  destination: string,
  behavior: FileExistsBehavior,
): void {
  if (!isDirectory(destination)) builder.mkdir(destination);
  for (const entry of directoryEntries(source)) {
    const entrySource = join(source, entry);
    const entryDestination = join(destination, entry);
    // File.directory? follows symlinks: a link to a folder is copied as a folder of copies.
    if (isDirectory(entrySource)) generateDirectoryCopy(builder, entrySource, entryDestination, behavior);
    else generateNormalCopy(builder, entrySource, entryDestination, behavior);
  }
}

/**
 * Ruby's `Dir.entries` order: the file system's own, as readdir returns it (Node's readdirSync sorts,
 * opendir does not). It decides the order of install.json, the cleanup file and which of two
 * clashing paths an error names.
 */
function directoryEntries(path: string): string[] {
  const dir = opendirSync(path);
  const names: string[] = [];
  try {
    for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) names.push(entry.name);
  } finally {
    dir.closeSync();
  }
  return names;
}

/** installer.rb `generate_normal_copy`: what an existing destination file does, per file_exists_behavior. */
function generateNormalCopy(
  builder: CommandBuilder,
  source: string,
  destination: string,
  behavior: FileExistsBehavior,
): void {
  if (!exists(destination)) {
    builder.copy(source, destination);
    return;
  }
  if (behavior === 'DISALLOW') {
    throw new Error(
      `The deployment failed because a specified file already exists at this location: ${destination}`,
    );
  }
  if (behavior === 'OVERWRITE') builder.copy(source, destination);
  // RETAIN: neither copied nor failed.
}

/** installer.rb `fill_in_missing_ancestors`: every missing folder above the destination is created (and recorded). */
function fillInMissingAncestors(builder: CommandBuilder, destination: string): void {
  const missing: string[] = [];
  let parent = dirname(destination);
  while (!exists(parent) && parent !== '.' && parent !== '/') {
    missing.unshift(parent);
    parent = dirname(parent);
  }
  for (const folder of missing) builder.mkdir(folder);
}

/** linux_permission_info.rb `validate_file_permission`: a rule on a single file takes no pattern or except. */
function validateFilePermission(rule: PermissionRule): void {
  if (rule.pattern !== '**') {
    throw new Error(
      `The deployment failed because the application specification file includes an object (${rule.object}) with an invalid pattern (${rule.pattern}), such as a pattern for a file applied to a directory. Correct the permissions section of the AppSpec file, and then try again.`,
    );
  }
  if (rule.except.length > 0) {
    throw new Error(
      `The deployment failed because the except parameter for a pattern in the permissions section (${JSON.stringify(rule.except)}) for the object named ${rule.object} contains an invalid format. Update the AppSpec file, and then try again.`,
    );
  }
}

/**
 * linux_permission_info.rb `matches_pattern?`: `name` must be strictly below `object`; pattern "**"
 * then matches at any depth, and any other pattern only a direct child of `object`.
 */
export function matchesPattern(rule: PermissionRule, name: string): boolean {
  const relative = relativeBelow(rule.object, name);
  if (relative === undefined) return false;
  return rule.pattern === '**' || matchesSimpleGlob(relative, rule.pattern);
}

/** linux_permission_info.rb `matches_except?`: likewise, so an except names direct children only. */
export function matchesExcept(rule: PermissionRule, name: string): boolean {
  const relative = relativeBelow(rule.object, name);
  return relative !== undefined && rule.except.some((except) => matchesSimpleGlob(relative, except));
}

function relativeBelow(object: string, name: string): string | undefined {
  const trimmed = name.endsWith('/') ? name.slice(0, -1) : name;
  let base = resolve(object);
  if (!base.endsWith('/')) base += '/';
  return trimmed.startsWith(base) ? trimmed.slice(base.length) : undefined;
}

/**
 * linux_permission_info.rb `matches_simple_glob`: never across a `/`; `*` is the one wildcard (any
 * run of characters, none included); every other character, `?` and `[` too, stands for itself.
 */
export function matchesSimpleGlob(name: string, pattern: string): boolean {
  if (name.includes('/')) return false;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(name);
}

/** install_instruction.rb CommandBuilder: the instructions, and the appspec mistakes it refuses. */
export class CommandBuilder {
  readonly commands: InstallCommand[] = [];
  private readonly copyTargets = new Map<string, string>();
  private readonly mkdirTargets = new Set<string>();
  private readonly permissionTargets = new Set<string>();

  copy(source: string, to: string): void {
    const destination = resolve(to);
    if (this.copyTargets.has(destination)) {
      throw new Error(
        `The deployment failed because the application specification file specifies two source files named ${source} and ${this.copyTargets.get(destination)} for the same destination (${destination}). Remove one of the source file paths from the AppSpec file, and then try again.`,
      );
    }
    if (this.mkdirTargets.has(destination)) {
      throw new Error(
        `The deployment failed because the application specification file calls for installing the file ${source}, but a file with that name already exists at the location (${destination}). Update your AppSpec file or directory structure, and then try again.`,
      );
    }
    this.commands.push({ type: 'copy', source, destination });
    this.copyTargets.set(destination, source);
  }

  mkdir(to: string): void {
    const directory = resolve(to);
    if (this.copyTargets.has(directory)) {
      throw new Error(
        `The deployment failed because the application specification file includes an mkdir command more than once for the same destination path (${directory}) from (${this.copyTargets.get(directory)}). Update the files section of the AppSpec file, and then try again.`,
      );
    }
    if (!this.mkdirTargets.has(directory)) this.commands.push({ type: 'mkdir', directory });
    this.mkdirTargets.add(directory);
  }

  /** One path, one rule: a second rule reaching the same path fails the deployment. */
  setPermissions(path: string, rule: PermissionRule): void {
    const file = resolve(path);
    if (this.permissionTargets.has(file)) {
      throw new Error(
        `The deployment failed because the permissions setting for (${file}) is specified more than once in the application specification file. Update the files section of the AppSpec file, and then try again.`,
      );
    }
    this.permissionTargets.add(file);
    if (rule.mode !== undefined) {
      this.commands.push({ type: 'chmod', mode: rule.mode.toString(8).padStart(3, '0'), file });
    }
    if (rule.owner !== undefined || rule.group !== undefined) {
      this.commands.push({ type: 'chown', owner: rule.owner, group: rule.group, file });
    }
  }

  copyingFile(path: string): boolean {
    return this.copyTargets.has(resolve(path));
  }

  makingDirectory(path: string): boolean {
    return this.mkdirTargets.has(resolve(path));
  }

  /** Only what this Install copies (type file) or creates (type directory), in the order it does. */
  findMatches(rule: PermissionRule): string[] {
    const matches: string[] = [];
    const candidates = (paths: Iterable<string>) => {
      for (const path of paths) {
        if (matchesPattern(rule, path) && !matchesExcept(rule, path)) matches.push(path);
      }
    };
    if (rule.types.includes('file')) candidates(this.copyTargets.keys());
    if (rule.types.includes('directory')) candidates(this.mkdirTargets);
    return matches;
  }
}

/**
 * The commands of install_instruction.rb; `created` is the cleanup file's content so far, `ids` the
 * user and group ids looked up during this Install (looked up once each rather than once per file).
 */
function execute(command: InstallCommand, created: string[], ids: Map<string, number>): void {
  const id = (kind: 'user' | 'group', name: string) => {
    const key = `${kind}:${name}`;
    if (!ids.has(key)) ids.set(key, kind === 'user' ? userId(name) : groupId(name));
    return ids.get(key)!;
  };
  switch (command.type) {
    case 'copy':
      // CopyCommand: recorded first, then copied; a symlink is copied as a link to the same target.
      created.push(command.destination);
      if (lstatSync(command.source).isSymbolicLink()) {
        symlinkSync(readlinkSync(command.source), command.destination);
      } else {
        copyPreserving(command.source, command.destination);
      }
      return;
    case 'mkdir':
      // MakeDirectoryCommand: FileUtils.mkdir (mode 0777 less the umask), then recorded.
      mkdirSync(command.directory);
      created.push(command.directory);
      return;
    case 'chmod':
      // ChangeModeCommand: File.chmod follows a symlink to its target.
      chmodSync(command.file, Number.parseInt(command.mode, 8));
      return;
    case 'chown':
      // ChangeOwnerCommand: Etc.getpwnam / Etc.getgrnam raise for a missing user or group.
      chownSync(
        command.file,
        command.owner === undefined ? -1 : id('user', command.owner),
        command.group === undefined ? -1 : id('group', command.group),
      );
      return;
  }
}

/**
 * FileUtils.copy(source, destination, preserve: true): the content, then the source's times, owner
 * and mode (when the owner cannot be kept, the setuid and setgid bits are dropped instead). An existing
 * destination is written over in place.
 */
function copyPreserving(source: string, destination: string): void {
  copyFileSync(source, destination);
  const stat = statSync(source);
  utimesSync(destination, stat.atime, stat.mtime);
  let mode = stat.mode & 0o7777;
  try {
    chownSync(destination, stat.uid, stat.gid);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'EACCES') throw error;
    mode &= 0o1777;
  }
  chmodSync(destination, mode);
}
