import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readReports, withReports } from './reports.js';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('reports appended to the plan', () => {
  it('carry each report whole, in the order given, after the plan', async () => {
    dir = await mkdtemp(join(tmpdir(), 'plan-reports-'));
    await writeFile(
      join(dir, 'upgrade.md'),
      '<!-- dealership-upgrade-rehearsal -->\n### Upgrade rehearsal\n\nPassed.\n',
    );
    const reports = await readReports(['upgrade.md'], dir);
    expect(reports).toEqual(['<!-- dealership-upgrade-rehearsal -->\n### Upgrade rehearsal\n\nPassed.']);
    expect(withReports('### Deploy plan\n', reports)).toBe(
      '### Deploy plan\n\n---\n\n<!-- dealership-upgrade-rehearsal -->\n### Upgrade rehearsal\n\nPassed.\n',
    );
  });

  it('say, with its path, that a report is missing rather than leave it out', async () => {
    dir = await mkdtemp(join(tmpdir(), 'plan-reports-'));
    const [missing] = await readReports(['.upgrade/upgrade.md'], dir);
    expect(missing).toContain('**Report missing:** `.upgrade/upgrade.md` was not written');
  });

  it('fail on a report that exists but cannot be read', async () => {
    dir = await mkdtemp(join(tmpdir(), 'plan-reports-'));
    await expect(readReports(['.'], dir)).rejects.toThrow(/EISDIR/);
  });

  it('leave the plan as it is without reports', () => {
    expect(withReports('### Deploy plan\n', [])).toBe('### Deploy plan\n');
  });
});
