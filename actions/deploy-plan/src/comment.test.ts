import { describe, expect, it } from 'vitest';
import { type CommentApi, type IssueComment, upsertPlanComment } from './comment.js';
import { PLAN_MARKER } from './summary.js';

/** An in-memory pull request thread. */
function thread(comments: IssueComment[]): CommentApi & { comments: IssueComment[] } {
  return {
    comments,
    list: async () => comments,
    update: async (id, body) => {
      const comment = comments.find((c) => c.id === id)!;
      comment.body = body;
      return { ...comment, html_url: `https://github.test/c/${id}` };
    },
    create: async (body) => {
      const comment = {
        id: comments.length + 100,
        user: { login: BOT },
        body,
        html_url: `https://github.test/c/${comments.length + 100}`,
      };
      comments.push(comment);
      return comment;
    },
  };
}

const BOT = 'github-actions[bot]';

describe('upsertPlanComment', () => {
  it('never edits another user’s comment that quotes the marker; it adds its own', async () => {
    const api = thread([{ id: 1, body: `look: ${PLAN_MARKER}`, user: { login: 'mallory' } }]);
    const result = await upsertPlanComment(api, `${PLAN_MARKER}\nplan v1`, BOT);
    expect(result.action).toBe('created');
    expect(api.comments[0]!.body).toBe(`look: ${PLAN_MARKER}`);
    expect(api.comments).toHaveLength(2);
  });

  it('creates the comment when the pull request has none with the marker', async () => {
    const api = thread([{ id: 1, body: 'LGTM' }]);
    const result = await upsertPlanComment(api, `${PLAN_MARKER}\nplan v1`, BOT);
    expect(result).toEqual({ action: 'created', url: 'https://github.test/c/101' });
    expect(api.comments.map((c) => c.body)).toEqual(['LGTM', `${PLAN_MARKER}\nplan v1`]);
  });

  it('updates the marked comment in place instead of adding another', async () => {
    const api = thread([
      { id: 1, body: 'LGTM' },
      { id: 2, body: `${PLAN_MARKER}\nplan v1`, user: { login: BOT } },
    ]);
    const result = await upsertPlanComment(api, `${PLAN_MARKER}\nplan v2`, BOT);
    expect(result).toEqual({ action: 'updated', url: 'https://github.test/c/2' });
    expect(api.comments).toHaveLength(2);
    expect(api.comments[1]!.body).toBe(`${PLAN_MARKER}\nplan v2`);
  });
});
