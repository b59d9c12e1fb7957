import { describe, expect, it } from '@jest/globals';
import { SourcePush } from '../../../../events/source-push.ts';
import { ValidationError } from '../../../../shared/domain/errors.ts';
import { GITHUB_MAX_LISTED_COMMITS, normaliseGithubPush } from '../../../../shared/sources/github-push.ts';
import type { Payload } from './fixtures.ts';
import { copy, githubExamples } from './github-examples.ts';

const receivedAt = new Date('2026-01-02T03:04:05.000Z');
const context = { deliveryId: 'delivery-1', receivedAt };
const examples = githubExamples('push');
const branchCreation = examples.find(
  ({ payload }) => payload.ref === 'refs/heads/master' && payload.created === true,
)!.payload;

function commit(id: string, files: { added?: string[]; modified?: string[]; removed?: string[] } = {}) {
  return {
    id,
    tree_id: id,
    distinct: true,
    message: `commit ${id.slice(0, 7)}`,
    timestamp: '2026-01-02T03:00:00+01:00',
    url: `https://github.com/acme/web/commit/${id}`,
    author: { name: 'Ada', email: 'ada@example.com' },
    committer: { name: 'Ada', email: 'ada@example.com' },
    added: files.added ?? [],
    removed: files.removed ?? [],
    modified: files.modified ?? [],
  };
}
const sha = (n: number) => n.toString(16).padStart(40, 'a');

describe('normaliseGithubPush', () => {
  it('loads push examples from every host in @octokit/webhooks-examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(7);
  });

  it.each(examples)('normalises the push example $label to a valid push or a deletion', ({ payload }) => {
    const result = normaliseGithubPush(copy(payload), context);

    if (payload.deleted) {
      expect(result).toEqual({
        kind: 'deleted',
        provider: 'github',
        repo: 'Codertocat/Hello-World',
        ref: payload.ref,
      });
    } else {
      expect(result.kind).toBe('push');
      const push = result.kind === 'push' ? result.push : undefined;
      expect(SourcePush.parse(push)).toEqual(push);
      expect(push?.commit).toBe(payload.after);
      expect(push?.deliveryId).toBe('delivery-1');
    }
  });

  it('reads a branch creation with its commit: Unix pushed_at, clone URL, changed paths', () => {
    const result = normaliseGithubPush(copy(branchCreation), context);

    expect(result).toEqual({
      kind: 'push',
      push: {
        provider: 'github',
        repo: 'Codertocat/Hello-World',
        ref: 'refs/heads/master',
        branch: 'master',
        commit: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
        message: 'Initial commit',
        author: 'Codertocat',
        pushedAt: '2019-05-15T15:20:57.000Z',
        url: 'https://github.com/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246',
        cloneUrl: 'https://github.com/Codertocat/Hello-World.git',
        changedPaths: ['README.md'],
        deliveryId: 'delivery-1',
      },
    });
  });

  it('says why the paths are unknown for a tag created without new commits', () => {
    const tag = examples.find(({ payload }) => payload.ref === 'refs/tags/simple-tag' && payload.created)!;

    const result = normaliseGithubPush(copy(tag.payload), context);

    expect(result.kind === 'push' && result.push).toMatchObject({
      tag: 'simple-tag',
      pathsUnknownReason: expect.stringContaining('created tag refs/tags/simple-tag without new commits'),
    });
    expect(result.kind === 'push' && result.push.changedPaths).toBeUndefined();
  });

  it('unites added, modified and removed paths of all commits, each once', () => {
    const payload = copy(branchCreation) as Record<string, unknown>;
    const first = commit(sha(1), { added: ['a.ts'], modified: ['b.ts'] });
    const second = commit(sha(2), { modified: ['a.ts'], removed: ['old/c.ts'] });
    Object.assign(payload, {
      created: false,
      before: sha(9),
      after: sha(2),
      commits: [first, second],
      head_commit: second,
    });

    const result = normaliseGithubPush(payload, context);

    expect(result.kind === 'push' && result.push).toMatchObject({
      changedPaths: ['a.ts', 'b.ts', 'old/c.ts'],
      previousCommit: sha(9),
      message: `commit ${sha(2).slice(0, 7)}`,
    });
  });

  it('leaves the paths unknown for a forced push, whose dropped commits are not listed', () => {
    const payload = copy(branchCreation) as Record<string, unknown>;
    Object.assign(payload, { created: false, forced: true, before: sha(9) });

    const result = normaliseGithubPush(payload, context);

    expect(result.kind === 'push' && result.push).toMatchObject({
      forced: true,
      pathsUnknownReason: expect.stringContaining('forced push'),
    });
  });

  it('leaves the paths unknown when the commit list may be truncated', () => {
    const payload = copy(branchCreation) as Record<string, unknown>;
    const commits = Array.from({ length: GITHUB_MAX_LISTED_COMMITS }, (_, i) =>
      commit(sha(i + 1), { added: [`f${i}`] }),
    );
    Object.assign(payload, {
      created: false,
      before: sha(0),
      after: commits.at(-1)!.id,
      commits,
      head_commit: commits.at(-1),
    });

    const result = normaliseGithubPush(payload, context);

    expect(result.kind === 'push' && result.push.pathsUnknownReason).toMatch(/2048 commits.*truncated/);
    expect(result.kind === 'push' && result.push.changedPaths).toBeUndefined();
  });

  it('accepts pushed_at as an ISO string and falls back to the head commit time, then the arrival time', () => {
    const iso = copy(branchCreation) as { repository: Record<string, unknown> };
    iso.repository.pushed_at = '2024-05-01T10:00:00Z';
    const none = copy(branchCreation) as {
      repository: Record<string, unknown>;
      head_commit: Record<string, unknown>;
    };
    delete none.repository.pushed_at;
    const neither = copy(none);
    delete neither.head_commit.timestamp;

    const pushedAt = (payload: unknown) => {
      const result = normaliseGithubPush(payload, context);
      return result.kind === 'push' ? result.push.pushedAt : undefined;
    };

    expect(pushedAt(iso)).toBe('2024-05-01T10:00:00.000Z');
    expect(pushedAt(none)).toBe('2019-05-15T15:19:25.000Z');
    expect(pushedAt(neither)).toBe(receivedAt.toISOString());
  });

  it('accepts the push the local git hook posts: no ids, a local clone path, ISO commit times with offsets', () => {
    const head = commit(sha(3), { modified: ['src/app.ts'] });
    const payload = {
      ref: 'refs/heads/main',
      before: sha(2),
      after: sha(3),
      created: false,
      deleted: false,
      forced: false,
      base_ref: null,
      compare: 'https://github.com/acme/web/compare/aaaaaaaaaaaa...aaaaaaaaaaa3',
      commits: [head],
      head_commit: head,
      repository: {
        id: 0,
        name: 'web',
        full_name: 'acme/web',
        clone_url: '/srv/git/web.git',
        pushed_at: 1767322800,
      },
      pusher: { name: 'Ada', email: 'ada@example.com' },
      sender: { login: 'Ada' },
    };

    const result = normaliseGithubPush(payload, { receivedAt });

    expect(result.kind === 'push' && result.push).toMatchObject({
      cloneUrl: '/srv/git/web.git',
      changedPaths: ['src/app.ts'],
      pushedAt: '2026-01-02T03:00:00.000Z',
    });
  });

  it.each([
    ['repository.full_name', (p: Payload) => delete p.repository.full_name],
    [
      'after',
      (p: Payload) => {
        p.after = 'not-a-sha';
      },
    ],
    [
      'commits.0.added',
      (p: Payload) => {
        p.commits[0].added = 'README.md';
      },
    ],
    [
      'ref',
      (p: Payload) => {
        p.ref = 'master';
      },
    ],
  ])('refuses a push whose %s is wrong, naming the field', (field, spoil) => {
    const payload = copy(branchCreation) as Payload;
    spoil(payload);

    expect(() => normaliseGithubPush(payload, context)).toThrow(ValidationError);
    expect(() => normaliseGithubPush(payload, context)).toThrow(field);
  });
});
