/**
 * A stand-in for the GitHub REST API's issue-comment endpoints (no real GitHub is reachable from
 * tests): list with Link-header pagination, create, update. Point GITHUB_API_URL at `url`.
 */
import { createServer } from 'node:http';
import { listenOnLoopback } from '@dealership/test-kit';

export interface FakeComment {
  id: number;
  body: string;
  /** Who wrote it: the token's identity for comments made through the API (GITHUB_TOKEN comments as github-actions[bot]). */
  user: { login: string };
}

export async function startFakeGitHub(options: { pageSize?: number; failWith?: number } = {}) {
  const comments: FakeComment[] = [];
  const requests: string[] = [];
  const pageSize = options.pageSize ?? 2;
  let nextId = 1000;
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? '/', 'http://localhost');
    requests.push(`${request.method} ${url.pathname}${url.search}`);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    if (options.failWith)
      return reply(options.failWith, { message: 'Resource not accessible by integration' });
    const list = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname);
    const single = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname);
    const body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString()) : {};
    const withUrl = (comment: FakeComment) => ({
      ...comment,
      html_url: `https://github.test/comments/${comment.id}`,
    });
    if (list && request.method === 'GET') {
      const page = Number(url.searchParams.get('page') ?? '1');
      const slice = comments.slice((page - 1) * pageSize, page * pageSize);
      const more = page * pageSize < comments.length;
      const next = `<${`http://${request.headers.host}${url.pathname}?per_page=100&page=${page + 1}`}>; rel="next"`;
      return reply(200, slice.map(withUrl), more ? { link: next } : {});
    }
    if (list && request.method === 'POST') {
      const comment = { id: nextId++, body: body.body, user: { login: 'github-actions[bot]' } };
      comments.push(comment);
      return reply(201, withUrl(comment));
    }
    if (single && request.method === 'PATCH') {
      const comment = comments.find((c) => c.id === Number(single[3]));
      if (!comment) return reply(404, { message: 'Not Found' });
      comment.body = body.body;
      return reply(200, withUrl(comment));
    }
    return reply(404, { message: 'Not Found' });
  });
  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    comments,
    requests,
    /** Adds a comment someone else wrote. */
    add: (body: string, login = 'octocat') => comments.push({ id: nextId++, body, user: { login } }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
