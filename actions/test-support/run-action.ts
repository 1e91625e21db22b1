/**
 * Runs a built action the way the runner does: `node <action>/dist/index.mjs` with `INPUT_*`
 * variables, `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` files, and whatever environment the test adds.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inputVariable } from './inputs.js';

export const ACTIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface ActionRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

export interface StartedAction {
  child: ChildProcess;
  result: Promise<ActionRun>;
}

/** Parses the `name<<delimiter … delimiter` blocks @actions/core writes to GITHUB_OUTPUT. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const match of text.matchAll(/^(.+?)<<(ghadelimiter_[^\n]+)\n([\s\S]*?)\n?\2$/gm)) {
    outputs[match[1]!] = match[3]!;
  }
  return outputs;
}

export function startBuiltAction(
  name: string,
  options: { inputs: Record<string, string>; env?: Record<string, string>; cwd?: string },
): StartedAction {
  const dir = mkdtempSync(join(tmpdir(), `${name}-run-`));
  const outputFile = join(dir, 'output');
  const summaryFile = join(dir, 'summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const inputs = Object.fromEntries(
    Object.entries(options.inputs).map(([key, value]) => [inputVariable(key), value]),
  );
  const child = spawn(process.execPath, [join(ACTIONS_DIR, name, 'dist', 'index.mjs')], {
    cwd: options.cwd ?? ACTIONS_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dir,
      RUNNER_TEMP: dir,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      ...options.env,
      ...inputs,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const result = new Promise<ActionRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const run = {
        code,
        signal,
        stdout,
        stderr,
        outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
        summary: readFileSync(summaryFile, 'utf8'),
      };
      rmSync(dir, { recursive: true, force: true });
      resolve(run);
    });
  });
  return { child, result };
}

export function runBuiltAction(
  name: string,
  options: { inputs: Record<string, string>; env?: Record<string, string>; cwd?: string },
): Promise<ActionRun> {
  return startBuiltAction(name, options).result;
}
