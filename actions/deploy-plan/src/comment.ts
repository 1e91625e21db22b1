/**
 * The one sticky pull request comment: found by its hidden marker AND its author (the token's own
 * identity, `github-actions[bot]` for GITHUB_TOKEN), updated in place or created. A comment someone
 * else wrote that happens to contain the marker is never edited (GitHub would refuse with 403 anyway:
 * a token may edit only its own comments unless it can write to the repository).
 */
import type { getOctokit } from '@actions/github';
import { PLAN_MARKER } from './render.js';

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
  octokit: ReturnType<typeof getOctokit>,
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
