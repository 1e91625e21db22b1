import { summaryMarkdown } from '../../lib/index.js';
import type { RollInputs } from './inputs.js';
import type { RollResult } from './roll.js';

/** The progress line: which version now launches the image, and whether this run created it. */
export function rollProgress(inputs: RollInputs, result: RollResult): string {
  return result.created
    ? `Created version ${result.version} of ${result.templateId} with ${inputs.imageId} (from version ${result.sourceVersion}).`
    : `Version ${result.version} of ${result.templateId} already launches ${inputs.imageId}; nothing created.`;
}

/** The job summary: the template, the image, and the versions before and after. */
export function rollSummary(inputs: RollInputs, result: RollResult): string {
  return summaryMarkdown('Launch template rolled', {
    'launch template': `${result.templateName} (${result.templateId})`,
    image: inputs.imageId,
    'source version': `${result.sourceVersion} (${result.sourceImageId ?? 'no image'})`,
    version: result.version,
    created: result.created,
    'previous version': result.previousVersion,
    'default version': result.defaultVersion,
  });
}
