/**
 * The one sticky pull request comment: found by its hidden marker AND its author (the token's own
 * identity, `github-actions[bot]` for GITHUB_TOKEN), updated in place or created. A comment someone
 * else wrote that happens to contain the marker is never edited (GitHub would refuse with 403 anyway:
 * a token may edit only its own comments unless it can write to the repository).
 */
import * as core from '@actions/core';
import * as github from '@actions/github';
import { describeError } from '../../lib/index.js';
import { PLAN_MARKER } from './summary.js';

export interface IssueComment {
  id: number;
  body?: string;
  html_url?: string;
  user?: { login?: string } | null;
}

/** The three calls the sticky comment needs; tests pass a fake, the action passes {@link octokitComments}. */
export interface CommentApi {
  list(): Promise<IssueComment[]>;
  update(id: number, body: string): Promise<IssueComment>;
  create(body: string): Promise<IssueComment>;
}

export async function upsertPlanComment(
  api: CommentApi,
  body: string,
  author: string,
): Promise<{ action: 'created' | 'updated'; url?: string }> {
  const existing = (await api.list()).find(
    (comment) => comment.user?.login === author && comment.body?.includes(PLAN_MARKER),
  );
  if (existing) return { action: 'updated', url: (await api.update(existing.id, body)).html_url };
  return { action: 'created', url: (await api.create(body)).html_url };
}

export function octokitComments(
  octokit: ReturnType<typeof github.getOctokit>,
  issue: { owner: string; repo: string; number: number },
): CommentApi {
  const where = { owner: issue.owner, repo: issue.repo };
  return {
    list: () =>
      octokit.paginate(octokit.rest.issues.listComments, {
        ...where,
        issue_number: issue.number,
        per_page: 100,
      }),
    update: async (id, body) =>
      (await octokit.rest.issues.updateComment({ ...where, comment_id: id, body })).data,
    create: async (body) =>
      (await octokit.rest.issues.createComment({ ...where, issue_number: issue.number, body })).data,
  };
}

/** Updates or creates the plan comment on the pull request; never fails the step. */
export async function commentOnPullRequest(token: string, markdown: string, author: string): Promise<void> {
  const number = github.context.payload.pull_request?.number;
  if (number === undefined) {
    core.info('Not a pull request: no comment.');
    return;
  }
  if (!token) {
    core.warning('No github-token: the plan is in the job summary only.');
    return;
  }
  try {
    const api = octokitComments(github.getOctokit(token), { ...github.context.repo, number });
    const result = await upsertPlanComment(api, markdown, author);
    core.info(`Plan comment ${result.action}: ${result.url ?? ''}`);
  } catch (error) {
    // A fork's token is read-only; the job summary still has the plan.
    core.warning(`Could not comment on pull request #${number}: ${describeError(error)}`);
  }
}
