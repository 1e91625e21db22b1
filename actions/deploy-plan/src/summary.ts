/** The plan as markdown: one sticky pull request comment and the job summary. */
import { markdownTable } from '../../lib/index.js';
import type { AutoScalingView, DeploymentView, Plan, Seen } from './plan.js';

/** The hidden marker that finds the plan's comment again on the next push. */
export const PLAN_MARKER = '<!-- dealership-deploy-plan -->';

/** `true`, `false`, or `unknown` when no image lookup was possible. */
export function bakeNeeded(plan: Plan): 'true' | 'false' | 'unknown' {
  if (!plan.cachedImage.seen) return 'unknown';
  return plan.cachedImage.value === undefined ? 'true' : 'false';
}

const short = (hash: string) => `\`${hash.slice(0, 12)}\``;

function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? 'none' : entries.map(([key, count]) => `${count} ${key}`).join(', ');
}

function recipeText({ recipe }: Plan): string {
  if (recipe.hash) return `${short(recipe.hash)} (base ${recipe.baseImageId}, ${recipe.files.length} files)`;
  return `unknown: base image ${recipe.baseImage} could not be resolved; repository part ${short(recipe.filesDigest)} (${recipe.files.length} files)`;
}

function nextVersionText(
  plan: Plan,
  template: { latestVersion: number; defaultVersion: number; defaultImage?: string },
) {
  if (!plan.cachedImage.seen) return 'unknown (whether a bake is needed could not be seen)';
  const cached = plan.cachedImage.value;
  const next = template.latestVersion + 1;
  if (cached === undefined) return `v${next} with the image this deploy bakes`;
  if (cached.id === template.defaultImage)
    return `unchanged: v${template.defaultVersion} already launches ${cached.id}`;
  return `v${next} with ${cached.id}`;
}

function groupText(group: AutoScalingView): string {
  const byVersion = Object.fromEntries(
    Object.entries(group.instancesByVersion).map(([v, n]) => [`on v${v}`, n]),
  );
  return `${group.name}: ${group.desired} desired (min ${group.min}, max ${group.max}), launches v${group.launchTemplateVersion ?? '?'}; instances by version: ${formatCounts(byVersion)}; ${group.unhealthy} unhealthy`;
}

function deploymentText(deployment: DeploymentView | undefined): string {
  if (deployment === undefined) return 'none yet';
  const finished = deployment.finished ? ` at ${deployment.finished.toISOString()}` : '';
  const commit = deployment.commit ? `, commit ${deployment.commit.slice(0, 12)}` : '';
  return `${deployment.id}${finished}: ${deployment.revision}${commit}`;
}

export function renderPlan(plan: Plan, context: { commit: string }): string {
  // Each row says why it is not visible, unless the reason is plan-wide (no AWS access): that is said once.
  const show = <T>(seen: Seen<T>, describe: (value: T) => string): string => {
    if (seen.seen) return describe(seen.value);
    return seen.reason === plan.awsUnavailable ? '_not visible_' : `_not visible_ — ${seen.reason}`;
  };
  const rows: [string, string][] = [
    ['Commit', context.commit.slice(0, 12)],
    ['Image recipe', recipeText(plan)],
    [
      'Bake needed',
      show(plan.cachedImage, (cached) =>
        cached === undefined
          ? '**yes** — no image has this recipe hash'
          : `no — ${cached.id} (${cached.name}) has it`,
      ),
    ],
    [
      'Launch template',
      show(
        plan.launchTemplate,
        (t) =>
          `${t.name} (${t.id}): default v${t.defaultVersion} → ${t.defaultImage ?? 'no image'}, latest v${t.latestVersion}`,
      ),
    ],
    [
      'Next launch template version',
      show(plan.launchTemplate, (template) => nextVersionText(plan, template)),
    ],
    ['Auto Scaling group', show(plan.autoScalingGroup, groupText)],
    [
      'Target health',
      show(plan.targetHealth, (groups) =>
        groups.length === 0
          ? 'no target groups attached'
          : groups.map((group) => `${group.targetGroup}: ${formatCounts(group.states)}`).join('; '),
      ),
    ],
    ['Last successful deployment', show(plan.lastDeployment, deploymentText)],
    [
      'Live release (record)',
      show(plan.release, ({ live }) =>
        live
          ? `${live.id}: ${live.commit.slice(0, 12)}, ${live.revision ?? 'no revision'}, ${live.imageId ?? 'no image'} on v${live.launchTemplateVersion ?? '?'}`
          : 'none recorded yet',
      ),
    ],
    ['Expected duration', show(plan.release, ({ expected }) => expected)],
  ];
  const bullets = (items: string[]) => items.map((item) => `- ${item}`).join('\n');
  const releaseParts = plan.release.seen
    ? [
        '#### What a merge would change',
        '',
        bullets(plan.release.value.changes),
        '',
        '#### Drift',
        '',
        plan.release.value.drift.length === 0
          ? '_None: the record, the launch template, the group, its instances and CodeDeploy agree._'
          : bullets(plan.release.value.drift),
        '',
      ]
    : [];

  const fileList = plan.recipe.files.map((file) => `- \`${file}\``).join('\n');
  return [
    PLAN_MARKER,
    '### Deploy plan',
    '',
    markdownTable(['', ''], rows),
    '',
    ...releaseParts,
    ...(plan.awsUnavailable
      ? [`_Not visible: ${plan.awsUnavailable}. The recipe above comes from the repository alone._`, '']
      : []),
    `<details><summary>Recipe files (${plan.recipe.files.length})</summary>\n\n${fileList}\n\n</details>`,
    '',
  ].join('\n');
}
