import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * For tests: a revision folder with a valid appspec.yml, an executable ValidateService script and an
 * application file whose content is new on every call (so each folder uploads under its own key).
 */
export function makeRevisionFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'revision-'));
  mkdirSync(join(dir, 'hooks'));
  writeFileSync(
    join(dir, 'appspec.yml'),
    'version: 0.0\nos: linux\nfiles:\n  - source: /\n    destination: /opt/dealership\nhooks:\n  ValidateService:\n    - location: hooks/validate.sh\n      timeout: 300\n',
  );
  writeFileSync(
    join(dir, 'hooks', 'validate.sh'),
    '#!/bin/sh\ncurl -fsS http://127.0.0.1:3000/health/ready\n',
  );
  chmodSync(join(dir, 'hooks', 'validate.sh'), 0o755);
  writeFileSync(join(dir, 'server.js'), `// build ${randomUUID()}\n`);
  return dir;
}
