import { readFile } from 'node:fs/promises';

/** The [Service] settings of a systemd unit that a process supervisor needs to run it. */
export interface ServiceUnit {
  execStart: string[];
  workingDirectory?: string;
  /** Environment= assignments, in order. */
  environment: [string, string][];
  /** EnvironmentFile= paths; `optional` for the `-` prefix. */
  environmentFiles: { path: string; optional: boolean }[];
  timeoutStopSeconds: number;
  killSignal: NodeJS.Signals;
  /** User= and Group= (Group= defaults to the user's primary group). */
  user?: string;
  group?: string;
}

/** Splits a systemd command line or assignment list into words, honouring "double" and 'single' quotes. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const match of text.matchAll(pattern)) {
    words.push(match[1]?.replace(/\\(.)/g, '$1') ?? match[2] ?? match[3]!);
  }
  return words;
}

/** Parses a unit file into its sections' settings (a key may repeat). */
export function parseUnitSections(text: string, source: string): Map<string, [string, string][]> {
  const sections = new Map<string, [string, string][]>();
  let current: [string, string][] | undefined;
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = [];
      sections.set(section[1]!, current);
      return;
    }
    const equals = line.indexOf('=');
    if (current === undefined || equals < 1) {
      throw new Error(`${source}:${index + 1}: expected [Section] or Key=Value, got ${JSON.stringify(raw)}`);
    }
    current.push([line.slice(0, equals).trim(), line.slice(equals + 1).trim()]);
  });
  return sections;
}

function parseSeconds(value: string, source: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(s|sec|min)?$/.exec(value);
  if (!match)
    throw new Error(`${source}: TimeoutStopSec must be seconds like 45 or 45s, got ${JSON.stringify(value)}`);
  return Number(match[1]) * (match[2] === 'min' ? 60 : 1);
}

export async function readServiceUnit(path: string): Promise<ServiceUnit> {
  const settings = parseUnitSections(await readFile(path, 'utf8'), path).get('Service');
  if (settings === undefined) throw new Error(`${path}: no [Service] section`);
  const unit: ServiceUnit = {
    execStart: [],
    environment: [],
    environmentFiles: [],
    timeoutStopSeconds: 90,
    killSignal: 'SIGTERM',
  };
  for (const [key, value] of settings) {
    if (key === 'ExecStart') unit.execStart = splitWords(value);
    else if (key === 'WorkingDirectory') unit.workingDirectory = value;
    else if (key === 'TimeoutStopSec') unit.timeoutStopSeconds = parseSeconds(value, path);
    else if (key === 'KillSignal') unit.killSignal = value as NodeJS.Signals;
    else if (key === 'User') unit.user = value;
    else if (key === 'Group') unit.group = value;
    else if (key === 'EnvironmentFile') {
      const optional = value.startsWith('-');
      unit.environmentFiles.push({ path: optional ? value.slice(1) : value, optional });
    } else if (key === 'Environment') {
      for (const word of splitWords(value)) {
        const equals = word.indexOf('=');
        if (equals < 1)
          throw new Error(`${path}: Environment= needs NAME=value, got ${JSON.stringify(word)}`);
        unit.environment.push([word.slice(0, equals), word.slice(equals + 1)]);
      }
    }
  }
  if (unit.execStart.length === 0) throw new Error(`${path}: [Service] has no ExecStart=`);
  return unit;
}

/** Reads a systemd EnvironmentFile: NAME=value lines, # or ; comments, values optionally quoted. */
export function parseEnvironmentFile(text: string, source: string): [string, string][] {
  const assignments: [string, string][] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) throw new Error(`${source}:${index + 1}: expected NAME=value, got ${JSON.stringify(raw)}`);
    const value = match[2]!;
    const quoted = /^(["'])(.*)\1$/.exec(value);
    assignments.push([match[1]!, quoted ? quoted[2]! : value]);
  });
  return assignments;
}
