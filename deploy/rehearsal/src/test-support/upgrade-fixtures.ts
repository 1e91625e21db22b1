import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { buildService, SERVICE_SOURCES } from '../bundle/service-build.js';
import { runChecked } from '../process.js';
import { scratchDir } from '../scratch.js';
import { openRevision, type Revision } from '../upgrade/revision.js';

/** A migration as the service's are: a module with up and down, given the queryInterface. */
export interface FixtureMigration {
  name: string;
  up: string;
  down: string;
}

/** Additive: a nullable column on a table the base uses, and a new table. Old code never notices. */
export const ADD_LOYALTY: FixtureMigration = {
  name: '9001-fixture-add-loyalty',
  up: `  await queryInterface.addColumn('customers', 'loyalty_tier', { type: DataTypes.STRING(16), allowNull: true });
  await queryInterface.createTable('loyalty_programs', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false },
    name: { type: DataTypes.STRING(64), allowNull: false },
  });`,
  down: `  await queryInterface.dropTable('loyalty_programs');
  await queryInterface.removeColumn('customers', 'loyalty_tier');`,
};

/**
 * Renames a column the base's Customer model reads and writes (the head's model follows it). In SQL, as a
 * migration author would on MySQL ≥ 8 / MariaDB ≥ 10.5 / SQLite ≥ 3.25: Sequelize's own renameColumn on
 * SQLite copies the table and drops the original, which its foreign keys refuse once rows refer to it.
 */
export const RENAME_EMAIL: FixtureMigration = {
  name: '9002-fixture-rename-customer-email',
  up: "  await queryInterface.sequelize.query('ALTER TABLE customers RENAME COLUMN email TO email_address');",
  down: "  await queryInterface.sequelize.query('ALTER TABLE customers RENAME COLUMN email_address TO email');",
};
/** The head's Customer model, mapping its email attribute to the renamed column. */
export const EMAIL_ADDRESS_MODEL = [
  { find: 'email: text(254, true),', replace: "email: { ...text(254, true), field: 'email_address' }," },
];

/** A column no model maps: what a release that stopped using a column leaves for the next to drop. */
export const ADD_LEGACY_CODE: FixtureMigration = {
  name: '9003-fixture-add-legacy-code',
  up: `  await queryInterface.addColumn('customers', 'legacy_code', { type: DataTypes.STRING(16), allowNull: true });`,
  down: `  await queryInterface.removeColumn('customers', 'legacy_code');`,
};
export const DROP_LEGACY_CODE: FixtureMigration = {
  name: '9004-fixture-drop-legacy-code',
  up: `  await queryInterface.removeColumn('customers', 'legacy_code');`,
  down: `  await queryInterface.addColumn('customers', 'legacy_code', { type: DataTypes.STRING(16), allowNull: true });`,
};

/** Drops a table the base's Mechanic model maps. */
export const DROP_MECHANICS: FixtureMigration = {
  name: '9005-fixture-drop-mechanics',
  up: `  await queryInterface.dropTable('ticket_labor_lines');
  await queryInterface.dropTable('mechanics');`,
  down: '  throw new Error("irreversible");',
};

/** A NOT NULL column without a default on a table the base inserts into. */
export const ADD_REQUIRED_TIER: FixtureMigration = {
  name: '9006-fixture-add-required-tier',
  up: `  await queryInterface.addColumn('customers', 'tier', { type: DataTypes.STRING(16), allowNull: false });`,
  down: `  await queryInterface.removeColumn('customers', 'tier');`,
};

/** A migration that cannot run: it alters a table that does not exist. */
export const BROKEN: FixtureMigration = {
  name: '9007-fixture-broken',
  up: "  await queryInterface.sequelize.query('ALTER TABLE stock_levels ADD COLUMN bin INTEGER');",
  down: '',
};

/** Replaces `find`, which must occur exactly once, in a file. */
async function replaceOnce(file: string, find: string, replace: string) {
  const text = await readFile(file, 'utf8');
  const count = text.split(find).length - 1;
  if (count !== 1)
    throw new Error(`fixture: expected ${JSON.stringify(find)} once in ${file}, found it ${count} times`);
  await writeFile(file, text.replace(find, replace));
}

/** What a fixture revision was made from: the service sources its dist was built from, and files added to it. */
interface Origin {
  sources: string;
  addedFiles: { path: string; text: string }[];
}

/**
 * Revisions a pull request could build, made from a real one as a pull request would: the service's
 * sources changed (migrations added after its own and registered in src/migrations/index.ts, its models
 * edited) and built again by the revision's own bundler into service/dist, or a file added. Each is a copy
 * of the unpacked revision (in memory-backed scratch space), zipped again. The fixtures live here, never
 * in service/src/migrations.
 */
export class FixtureRevisions {
  private readonly origins = new Map<string, Origin>();

  private constructor(readonly dir: string) {}

  static async create(): Promise<FixtureRevisions> {
    return new FixtureRevisions(await mkdtemp(join(await scratchDir(), 'upgrade-fixtures-')));
  }

  /** A revision zip, unpacked, as the base (or head) of a check; built from this tree's service/src. */
  async open(role: Revision['role'], zip: string): Promise<Revision> {
    const revision = await openRevision(role, zip, await mkdtemp(join(this.dir, 'open-')));
    this.origins.set(revision.dir, { sources: SERVICE_SOURCES, addedFiles: [] });
    return revision;
  }

  /**
   * A copy of `from` labelled `commit`: `changeSources` edits a copy of the service sources `from` was
   * built from (when given, service/dist is built again from them), and `added` files are written.
   */
  private async derive(
    role: Revision['role'],
    from: Revision,
    commit: string,
    changeSources: ((sources: string) => Promise<void>) | undefined,
    added: Origin['addedFiles'] = [],
  ): Promise<Revision> {
    const origin = this.origins.get(from.dir);
    if (!origin) throw new Error(`fixture: ${from.dir} was not opened or derived by these fixtures`);
    const dir = join(this.dir, commit);
    await cp(from.dir, dir, { recursive: true, verbatimSymlinks: true });
    let sources = origin.sources;
    const addedFiles = [...origin.addedFiles, ...added];
    if (changeSources) {
      sources = join(this.dir, `${commit}-src`);
      await cp(origin.sources, sources, { recursive: true });
      await changeSources(sources);
      const dist = join(dir, 'service', 'dist');
      const licences = await readFile(join(dist, 'THIRD-PARTY-LICENSES.txt'));
      await rm(dist, { recursive: true, force: true });
      await buildService(dist, sources);
      await writeFile(join(dist, 'THIRD-PARTY-LICENSES.txt'), licences);
    }
    for (const file of addedFiles) {
      await mkdir(dirname(join(dir, file.path)), { recursive: true });
      await writeFile(join(dir, file.path), file.text);
    }
    await writeFile(join(dir, 'REVISION'), `${commit}\n`);
    const zip = join(this.dir, `${commit}.zip`);
    await runChecked('zip', ['-X', '-q', '-r', '-y', zip, '.'], { cwd: dir });
    this.origins.set(dir, { sources, addedFiles });
    return { role, zip, dir, commit };
  }

  /** `from` with migrations added after its own, and its models optionally edited (each edit's text found once). */
  with(
    role: Revision['role'],
    from: Revision,
    commit: string,
    migrations: readonly FixtureMigration[],
    modelEdits: readonly { find: string; replace: string }[] = [],
  ): Promise<Revision> {
    return this.derive(role, from, commit, async (sources) => {
      let registration = '';
      for (const migration of migrations) {
        await writeFile(
          join(sources, 'migrations', `${migration.name}.ts`),
          `import { DataTypes } from 'sequelize';\n` +
            `export async function up({ context: queryInterface }: { context: any }) {\n${migration.up}\n}\n` +
            `export async function down({ context: queryInterface }: { context: any }) {\n${migration.down}\n}\n`,
        );
        const binding = `fixture_${migration.name.replace(/\W/g, '_')}`;
        registration += `import * as ${binding} from './${migration.name}.js';\nmigrations.push({ name: '${migration.name}', ...${binding} });\n`;
      }
      const index = join(sources, 'migrations', 'index.ts');
      await writeFile(index, `${await readFile(index, 'utf8')}\n${registration}`);
      for (const edit of modelEdits)
        await replaceOnce(join(sources, 'db', 'models.ts'), edit.find, edit.replace);
    });
  }

  /** `from` with one more file (a compiled module with a raw query, a comment…). */
  withFile(
    role: Revision['role'],
    from: Revision,
    commit: string,
    path: string,
    text: string,
  ): Promise<Revision> {
    return this.derive(role, from, commit, undefined, [{ path, text }]);
  }
}

/**
 * For one test file: fixture revisions made before its tests and removed after, and the test revision
 * `one` (global-setup.ts) opened as their base. Read the fields inside tests, once beforeAll has run.
 */
export function fixtureRevisionsForTests(): { fixtures: FixtureRevisions; base: Revision } {
  const state = {} as { fixtures: FixtureRevisions; base: Revision };
  beforeAll(async () => {
    state.fixtures = await FixtureRevisions.create();
    state.base = await state.fixtures.open('base', inject('revisions').one.file);
  });
  afterAll(async () => {
    if (state.fixtures) await rm(state.fixtures.dir, { recursive: true, force: true });
  });
  return state;
}
