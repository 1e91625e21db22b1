import { baseImageText, formatDuration, summaryMarkdown } from '../../lib/index.js';
import type { BakeState } from './bake.js';
import type { BakeInputs } from './inputs.js';

/** The job summary: the image baked or reused, what it was baked from, and what retention removed. */
export function bakeSummary(inputs: BakeInputs, state: BakeState, durationMs: number): string {
  return summaryMarkdown(state.cacheHit ? 'AMI reused (cache hit)' : 'AMI baked', {
    image: `${state.imageId} (${state.imageName ?? ''})`,
    'recipe hash': state.recipeHash,
    'cache hit': state.cacheHit,
    'base image': `${state.baseImageId} (${baseImageText(inputs.base)})`,
    'recipe files': state.recipeFiles?.join(', '),
    builder: state.builderInstanceId ? `${state.builderInstanceId} (terminated)` : 'none',
    'images deregistered': state.deregistered?.join(', ') || 'none',
    'kept for launch templates': state.keptForLaunchTemplates?.join(', ') || 'none',
    duration: formatDuration(durationMs),
  });
}
