/** The plan as markdown: one sticky pull request comment and the job summary. */
import { markdownTable } from '../../lib/report.js';
import type { Plan, Seen } from './plan.js';

/** The hidden marker that finds the plan's comment again on the next push. */
export const PLAN_MARKER = '<!-- dealership-deploy-plan -->';

/** `true`, `false`, or `unknown` when no image lookup was possible. */
export function bakeNeeded(plan: Plan): 'true' | 'false' | 'unknown' {
  if (!plan.cachedImage.seen) return 'unknown';
  return plan.cachedImage.value === undefined ? 'true' : 'false';
}

const short = (hash: string) => `\`${hash.slice(0, 12)}\``;

function show<T>(seen: Seen<T>, describe: (value: T) => string): string {
  return seen.seen ? describe(seen.value) : `_not visible_ — ${seen.reason}`;
}

function nextLaunchTemplate(plan: Plan): string {
  if (!plan.launchTemplate.seen) return `_not visible_ — ${plan.launchTemplate.reason}`;
  const template = plan.launchTemplate.value;
  const next = template.latestVersion + 1;
  if (!plan.cachedImage.seen) return 'unknown (whether a bake is needed could not be seen)';
  const cached = plan.cachedImage.value;
  if (cached === undefined) return `v${next} with the image this deploy bakes`;
  if (cached.id === template.defaultImage)
    return `unchanged: v${template.defaultVersion} already launches ${cached.id}`;
  return `v${next} with ${cached.id}`;
}

function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? 'none' : entries.map(([key, count]) => `${count} ${key}`).join(', ');
}

export function renderPlan(plan: Plan, context: { commit: string }): string {
  const { recipe } = plan;
  const recipeText = recipe.hash
    ? `${short(recipe.hash)} (base ${recipe.baseImageId}, ${recipe.files.length} files)`
    : `unknown: base image ${recipe.baseImage} could not be resolved; repository part ${short(recipe.filesDigest)} (${recipe.files.length} files)`;

  const rows: [string, string][] = [
    ['Commit', context.commit.slice(0, 12)],
    ['Image recipe', recipeText],
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
        (template) =>
          `${template.name} (${template.id}): default v${template.defaultVersion} → ${template.defaultImage ?? 'no image'}, latest v${template.latestVersion}`,
      ),
    ],
    ['Next launch template version', nextLaunchTemplate(plan)],
    [
      'Auto Scaling group',
      show(
        plan.autoScalingGroup,
        (group) =>
          `${group.name}: ${group.desired} desired (min ${group.min}, max ${group.max}), launches v${group.launchTemplateVersion ?? '?'}; instances by version: ${formatCounts(
            Object.fromEntries(Object.entries(group.instancesByVersion).map(([v, n]) => [`on v${v}`, n])),
          )}; ${group.unhealthy} unhealthy`,
      ),
    ],
    [
      'Target health',
      show(plan.targetHealth, (groups) =>
        groups.length === 0
          ? 'no target groups attached'
          : groups.map((group) => `${group.targetGroup}: ${formatCounts(group.states)}`).join('; '),
      ),
    ],
    [
      'Last successful deployment',
      show(plan.lastDeployment, (deployment) =>
        deployment === undefined
          ? 'none yet'
          : `${deployment.id}${deployment.finished ? ` at ${deployment.finished.toISOString()}` : ''}: ${deployment.revision}${deployment.commit ? `, commit ${deployment.commit.slice(0, 12)}` : ''}`,
      ),
    ],
  ];

  const fileList = recipe.files.map((file) => `- \`${file}\``).join('\n');
  return [
    PLAN_MARKER,
    '### Deploy plan',
    '',
    markdownTable(['', ''], rows),
    '',
    `<details><summary>Recipe files (${recipe.files.length})</summary>\n\n${fileList}\n\n</details>`,
    '',
  ].join('\n');
}
