/**
 * What the pull request's plan says about the live stack: where its parts disagree (drift) and what a
 * merge would change — from the release record, the launch template's default and latest versions,
 * the version the group is pinned to, the versions and images its instances were launched from, and
 * CodeDeploy's last successful revision. The same rules the release converges by.
 */
import { formatDuration } from '../../lib/index.js';
import { expectedMs, type GroupTimings, stageBudgets } from './budget.js';
import type { Release } from './record.js';
import type { LiveDeployment, LiveGroup, LiveTemplate } from './state.js';

export interface DriftInput {
  live?: Release;
  group: LiveGroup;
  template: LiveTemplate;
  lastDeployment?: LiveDeployment;
  /** The image baked from this commit's recipe; undefined when a merge bakes one. */
  recipeImageId?: string;
  timings: GroupTimings;
}

export interface DriftReport {
  drift: string[];
  changes: string[];
  expected: string;
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

export function driftOf(input: DriftInput): DriftReport {
  const { live, group, template, lastDeployment } = input;
  const drift: string[] = [];
  const pinned = Number(group.pinnedVersion);
  const pinnedImage = Number.isInteger(pinned) ? template.images[pinned] : undefined;

  if (!live)
    drift.push('no release in the record yet: the next deploy starts from what CodeDeploy and the group run');
  if (
    live &&
    live.launchTemplateVersion !== undefined &&
    String(live.launchTemplateVersion) !== group.pinnedVersion
  )
    drift.push(
      `the record's live release ${live.id} runs v${live.launchTemplateVersion}, but the group is pinned to ${group.pinnedVersion ?? 'nothing'}`,
    );
  if (!Number.isInteger(pinned))
    drift.push(
      `the group is pinned to ${group.pinnedVersion ?? 'no version'}, not a version number (an instance refresh cannot roll it back)`,
    );
  if (Number.isInteger(pinned) && template.defaultVersion !== pinned)
    drift.push(
      `the launch template's default is v${template.defaultVersion}, the group is pinned to v${pinned}`,
    );
  if (template.latestVersion > Math.max(template.defaultVersion, Number.isInteger(pinned) ? pinned : 0))
    drift.push(
      `v${template.latestVersion} is the latest version and neither the default nor what the group runs`,
    );
  const byVersion = new Map<string, number>();
  for (const i of group.instances)
    byVersion.set(i.launchTemplateVersion ?? '?', (byVersion.get(i.launchTemplateVersion ?? '?') ?? 0) + 1);
  for (const [version, n] of byVersion)
    if (version !== group.pinnedVersion)
      drift.push(`${count(n, 'instance')} launched from v${version}, not the pinned v${group.pinnedVersion}`);
  const offImage = group.instances.filter((i) => pinnedImage && i.imageId !== pinnedImage);
  if (offImage.length > 0)
    drift.push(
      `${count(offImage.length, 'instance')} run ${[...new Set(offImage.map((i) => i.imageId))].join(', ')}, not v${pinned}'s ${pinnedImage} (a refresh that ended Cancelled or Failed?)`,
    );
  if (live?.revision && lastDeployment?.revision && live.revision !== lastDeployment.revision)
    drift.push(
      `CodeDeploy's last successful revision ${lastDeployment.revision} (${lastDeployment.id}) is not the record's ${live.revision}`,
    );
  if (live?.revision && !lastDeployment)
    drift.push('the record names a revision, but CodeDeploy has no successful deployment');

  const changes: string[] = [];
  const instances = group.desired;
  changes.push(
    instances === 0
      ? 'revision: uploaded and recorded; the group has no instances, so nothing serves it until it has some'
      : `revision: ${live?.revision ?? lastDeployment?.revision ?? 'none'} → this commit's, in place on ${count(instances, 'instance')}, one at a time`,
  );
  const image = input.recipeImageId;
  const stale = group.instances.filter((i) => image && i.imageId !== image).length;
  let refresh = false;
  if (image === undefined) {
    changes.push(
      'image: **bake** a new one (no image has this recipe), a launch template version with it, made the default',
    );
    refresh = instances > 0;
  } else if (image !== pinnedImage) {
    const existing = Object.entries(template.images).find(([, id]) => id === image)?.[0];
    changes.push(
      `image: ${image} (already baked) in ${existing ? `the existing v${existing}` : `a new v${template.latestVersion + 1}`}, made the default`,
    );
    refresh = instances > 0;
  } else {
    changes.push(`image: unchanged (${image}, v${pinned})`);
    refresh = stale > 0 || (Number.isInteger(pinned) && template.defaultVersion !== pinned);
    if (Number.isInteger(pinned) && template.defaultVersion !== pinned)
      changes.push(`launch template default: v${template.defaultVersion} → v${pinned}`);
  }
  if (instances === 0) changes.push('group: pinned to the new version (no instances to replace)');
  else if (refresh)
    changes.push(
      `group: instance refresh of ${count(stale || instances, 'instance')} (launch before terminate, auto-rollback)`,
    );
  else changes.push('group: no refresh — every instance already runs the image');
  changes.push(
    instances === 0
      ? 'smoke test: skipped (no instances)'
      : `smoke test: /version serves this commit and ${instances} healthy target(s)`,
  );

  const plan = { app: instances > 0, bake: image === undefined, refresh };
  const budgets = stageBudgets(input.timings);
  const worst =
    (plan.app ? budgets.app : 0) +
    (plan.bake ? budgets.bake : 0) +
    (plan.refresh ? budgets.refresh : 0) +
    budgets.smoke;
  return {
    drift,
    changes,
    expected: `≈ ${formatDuration(expectedMs(input.timings, plan))} (at most ${formatDuration(worst)} before it counts as timed out, rollback time kept on top)`,
  };
}
