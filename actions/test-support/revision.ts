import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface RevisionFolderOptions {
  /** Where the appspec installs the files (default /opt/dealership). */
  destination?: string;
  /** The ValidateService hook's timeout in seconds (default 300). */
  timeout?: number;
  /** Further files by path; by default an application file whose content is new on every call. */
  files?: Record<string, string>;
}

/**
 * For tests: a revision folder with a valid appspec.yml, an executable ValidateService script and the
 * given files (by default one whose content is new on every call, so each folder uploads under its own key).
 */
export function makeRevisionFolder(options: RevisionFolderOptions = {}): string {
  const { destination = '/opt/dealership', timeout = 300 } = options;
  const files = options.files ?? { 'server.js': `// build ${randomUUID()}\n` };
  const dir = mkdtempSync(join(tmpdir(), 'revision-'));
  mkdirSync(join(dir, 'hooks'));
  writeFileSync(
    join(dir, 'appspec.yml'),
    `version: 0.0\nos: linux\nfiles:\n  - source: /\n    destination: ${destination}\nhooks:\n  ValidateService:\n    - location: hooks/validate.sh\n      timeout: ${timeout}\n`,
  );
  writeFileSync(
    join(dir, 'hooks', 'validate.sh'),
    '#!/bin/sh\ncurl -fsS http://127.0.0.1:3000/health/ready\n',
    {
      mode: 0o755,
    },
  );
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}
