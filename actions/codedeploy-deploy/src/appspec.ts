/**
 * Checks appspec.yml before anything is uploaded, so a typo fails the step in seconds instead of a
 * deployment on the first instance. The appspec model (events, which are scriptable, timeouts) is
 * @dealership/revision's, which the rehearsal's hook runner uses too; this adds the checks against the
 * bundle's files. Every problem is reported at once, each naming the file, the place and the value.
 *
 * What the real agent does with the same revision (aws/aws-codedeploy-agent), and what is checked here:
 * - `files[].source` is joined to the unpacked archive (installer.rb `generate_instructions`:
 *   `File.join(deployment_archive_dir, fi.source)`); a source that is not a folder there is copied as a
 *   file, so one missing from the bundle fails Install on the first instance. Checked: it is in the bundle.
 * - a hook's `location` is joined to the archive too (hook_executor.rb `execute`, the rehearsal's twin in
 *   deploy/rehearsal/src/codedeploy/hook-script.ts), a leading "/" meaning nothing; a missing script fails
 *   the event with ScriptMissing. Checked: it is in the bundle.
 * - a script that is not executable is `chmod +x`-ed by the agent with a warning (hook_executor.rb).
 *   Refused here all the same — a project rule, stricter than the agent: the zip writer keeps each file's
 *   mode, so a hook without +x is a mistake in the tree, and the warning would be the only trace of it.
 */
import { AppSpecError, checkAppSpec } from '@dealership/revision';

export { AppSpecError };

export interface AppSpecHook {
  hook: string;
  location: string;
  timeout: number;
  runas?: string;
}

export interface BundleFiles {
  has(path: string): boolean;
  get(path: string): { executable: boolean } | undefined;
  keys(): Iterable<string>;
}

/** Validates the appspec text against the files of its bundle; returns the hook scripts it runs. */
export function validateAppSpec(text: string, files: BundleFiles, file = 'appspec.yml'): AppSpecHook[] {
  const { spec, problems } = checkAppSpec(text, file);
  for (const [i, { source }] of spec.files.entries()) {
    if (!pathExists(files, source))
      problems.push(`files[${i}].source: ${JSON.stringify(source)} is not in the bundle`);
  }
  const hooks: AppSpecHook[] = [];
  for (const [hook, scripts] of Object.entries(spec.hooks)) {
    for (const [i, script] of scripts.entries()) {
      const at = `hooks.${hook}[${i}].location`;
      const location = script.location.replace(/^\/+/, '');
      const found = files.get(location);
      if (!found) problems.push(`${at}: ${JSON.stringify(script.location)} is not in the bundle`);
      else if (!found.executable)
        problems.push(`${at}: ${JSON.stringify(script.location)} is not executable (chmod +x it)`);
      hooks.push({ hook, location, timeout: script.timeoutSeconds, runas: script.runas });
    }
  }
  if (problems.length > 0) throw new AppSpecError(file, problems);
  return hooks;
}

/** A file, or a folder (some file lives under it); "/" is the whole bundle (the archive itself, installer.rb). */
function pathExists(files: BundleFiles, source: string): boolean {
  const path = source.replace(/^\/+/, '').replace(/\/+$/, '');
  if (path === '') return true;
  if (files.has(path)) return true;
  for (const key of files.keys()) if (key.startsWith(`${path}/`)) return true;
  return false;
}
