/** deploy-plan's inputs: what to plan (recipe, stack names) and where to comment. */
import {
  launchTemplateRef,
  parseBaseImage,
  readBoolean,
  readList,
  readRequired,
  readString,
  workspaceRoot,
} from '../../lib/index.js';
import type { PlanRequest } from './plan.js';

export function readPlanInputs(): PlanRequest & {
  githubToken: string;
  comment: boolean;
  commentAuthor: string;
  reports: string[];
} {
  const launchTemplate = readString('launch-template');
  return {
    base: parseBaseImage(readRequired('base-image')),
    provisionScript: readRequired('provision-script'),
    recipePaths: readList('recipe-paths'),
    workspace: workspaceRoot(),
    autoScalingGroup: readString('auto-scaling-group') || undefined,
    launchTemplate: launchTemplate ? launchTemplateRef(launchTemplate) : undefined,
    application: readString('application') || undefined,
    deploymentGroup: readString('deployment-group') || undefined,
    revisionBucket: readString('revision-bucket') || undefined,
    environment: readString('environment', 'production'),
    commentAuthor: readString('comment-author', 'github-actions[bot]'),
    githubToken: readString('github-token'),
    comment: readBoolean('comment', true),
    reports: readList('reports'),
  };
}
