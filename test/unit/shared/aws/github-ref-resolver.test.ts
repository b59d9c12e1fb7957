import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/rest';
import { GitHubRefResolver } from '../../../../shared/aws/github-ref-resolver.ts';
import { ForbiddenError, TransientError } from '../../../../shared/domain/errors.ts';
import { PipelineConfig } from '../../../../shared/domain/pipeline-config.ts';
import { RecordingServer } from '../../../support/recording-server.ts';

const pipeline = PipelineConfig.parse({ name: 'web', source: { github: 'octocat/Hello-World' } });
const TIP = '6dcb09b5b57875f334f61aebed695e2e4193db5e';
const TAGGED = '7638417db6d59f3c431d3e1f261cc637155684cd';

/** GitHub's documented answer to `GET /repos/{owner}/{repo}/commits/{ref}` ("Get a commit"), for `sha`. */
function commitAnswer(sha: string, message = 'Fix all the bugs') {
  return {
    url: `https://api.github.com/repos/octocat/Hello-World/commits/${sha}`,
    sha,
    node_id: 'MDY6Q29tbWl0NmRjYjA5YjViNTc4NzVmMzM0ZjYxYWViZWQ2OTVlMmU0MTkzZGI1ZQ==',
    html_url: `https://github.com/octocat/Hello-World/commit/${sha}`,
    comments_url: `https://api.github.com/repos/octocat/Hello-World/commits/${sha}/comments`,
    commit: {
      url: `https://api.github.com/repos/octocat/Hello-World/git/commits/${sha}`,
      author: { name: 'Monalisa Octocat', email: 'support@github.com', date: '2011-04-14T16:00:49Z' },
      committer: { name: 'Monalisa Octocat', email: 'support@github.com', date: '2011-04-14T16:00:49Z' },
      message,
      tree: { url: 'https://api.github.com/repos/octocat/Hello-World/tree/6dcb09b5', sha: TIP },
      comment_count: 0,
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null },
    },
    author: { login: 'octocat', id: 1 },
    committer: { login: 'octocat', id: 1 },
    parents: [{ url: 'https://api.github.com/repos/octocat/Hello-World/commits/6dcb09b5', sha: TIP }],
    stats: { additions: 104, deletions: 4, total: 108 },
    files: [{ filename: 'file1.txt', additions: 10, deletions: 2, changes: 12, status: 'modified' }],
  };
}

/** GitHub's answer to a ref it does not have. */
const noCommit = (ref: string) => ({
  status: 422,
  body: {
    message: `No commit found for SHA: ${ref}`,
    documentation_url: 'https://docs.github.com/rest/commits/commits#get-a-commit',
    status: '422',
  },
});

describe('GitHubRefResolver', () => {
  let server: RecordingServer;
  let resolver: GitHubRefResolver;
  /** The commits GitHub has, by the ref `getCommit` is asked (decoded). */
  let refs: Record<string, string>;

  beforeAll(async () => {
    server = await RecordingServer.start();
    const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
    const octokit = new Octokit({
      auth: 'ghp_test',
      baseUrl: server.url,
      log: quiet,
      retry: { enabled: false },
    });
    resolver = new GitHubRefResolver({ octokit });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.reset();
    refs = { 'heads/main': TIP, 'tags/v1.0.0': TAGGED, [TIP]: TIP, [TAGGED]: TAGGED, '7638417': TAGGED };
    server.on({ method: 'GET', path: /^\/repos\/octocat\/Hello-World\/commits\// }, (request) => {
      const ref = decodeURIComponent(
        request.path.split('?')[0]!.replace('/repos/octocat/Hello-World/commits/', ''),
      );
      const sha = refs[ref];
      return sha ? { status: 200, body: commitAnswer(sha) } : noCommit(ref);
    });
  });

  /** The refs asked for, decoded, in order. */
  const asked = () =>
    server.requests.map((r) => decodeURIComponent(r.path.split('?')[0]!.split('/commits/')[1] ?? ''));

  it('resolves a branch through heads/<branch>, with the token', async () => {
    // Act
    const push = await resolver.resolve(pipeline, 'main');

    // Assess
    expect(push).toEqual({
      provider: 'github',
      repo: 'octocat/Hello-World',
      ref: 'refs/heads/main',
      branch: 'main',
      commit: TIP,
      message: 'Fix all the bugs',
      author: 'Monalisa Octocat',
      pushedAt: '2011-04-14T16:00:49.000Z',
      url: `https://github.com/octocat/Hello-World/commit/${TIP}`,
      cloneUrl: 'https://github.com/octocat/Hello-World.git',
    });
    expect(asked()).toEqual(['heads/main']);
    expect(server.requests[0]!.headers.authorization).toBe('token ghp_test');
    expect(server.requests[0]!.path).toContain('per_page=1');
  });

  it('resolves a tag through tags/<tag> when no branch has the name', async () => {
    expect(await resolver.resolve(pipeline, 'v1.0.0')).toMatchObject({
      ref: 'refs/tags/v1.0.0',
      tag: 'v1.0.0',
      commit: TAGGED,
    });
    expect(asked()).toEqual(['heads/v1.0.0', 'tags/v1.0.0']);
  });

  it('resolves a whole commit id directly, and an abbreviated one after the branch and tag lookups', async () => {
    expect(await resolver.resolve(pipeline, TIP)).toMatchObject({ ref: `refs/commits/${TIP}`, commit: TIP });
    expect(await resolver.resolve(pipeline, '7638417')).toMatchObject({
      ref: `refs/commits/${TAGGED}`,
      commit: TAGGED,
    });
    expect(asked()).toEqual([TIP, 'heads/7638417', 'tags/7638417', '7638417']);
  });

  it('answers 404 for a ref GitHub does not have', async () => {
    await expect(resolver.resolve(pipeline, 'nope')).rejects.toMatchObject({
      name: 'NotFoundError',
      message: 'no branch, tag or commit "nope" in octocat/Hello-World',
    });
    await expect(resolver.resolve(pipeline, 'f'.repeat(40))).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('says the token may not read the repository, and lets a rate limit or a 5xx be retried', async () => {
    // Prepare
    server.reset();
    server.script(
      { path: /\/commits\// },
      { status: 401, body: { message: 'Bad credentials' } },
      {
        status: 403,
        headers: { 'x-ratelimit-remaining': '0' },
        body: { message: 'API rate limit exceeded' },
      },
      { status: 502, body: { message: 'Server Error' } },
    );

    // Act / Assess
    await expect(resolver.resolve(pipeline, 'main')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(resolver.resolve(pipeline, 'main')).rejects.toBeInstanceOf(TransientError);
    await expect(resolver.resolve(pipeline, 'main')).rejects.toBeInstanceOf(TransientError);
  });
});
