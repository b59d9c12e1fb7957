import { describe, expect, it } from '@jest/globals';
import { SourcePush } from '../../../../events/source-push.ts';
import { ValidationError } from '../../../../shared/domain/errors.ts';
import { normaliseGitlabPush } from '../../../../shared/sources/gitlab-push.ts';
import { fixture, type Payload } from './fixtures.ts';

const receivedAt = new Date('2026-01-02T03:04:05.000Z');
const context = { deliveryId: 'event-uuid-1', receivedAt };

describe('normaliseGitlabPush', () => {
  it('normalises the documented Push Hook example, which lists 2 of its 4 commits', () => {
    const result = normaliseGitlabPush(fixture('gitlab/push-hook.json'), context);

    expect(result).toEqual({
      kind: 'push',
      push: {
        provider: 'gitlab',
        repo: 'mike/diaspora',
        ref: 'refs/heads/master',
        branch: 'master',
        commit: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
        previousCommit: '95790bf891e76fee5e1747ab589903a6a1f80f22',
        message: 'fixed readme',
        author: 'GitLab dev user',
        pushedAt: receivedAt.toISOString(),
        url: 'http://example.com/mike/diaspora/-/compare/95790bf891e76fee5e1747ab589903a6a1f80f22...da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
        cloneUrl: 'http://example.com/mike/diaspora.git',
        pathsUnknownReason: "GitLab lists only the newest 2 of the push's 4 commits",
        deliveryId: 'event-uuid-1',
      },
    });
    expect(result.kind === 'push' && SourcePush.parse(result.push)).toBeTruthy();
  });

  it('unites the changed paths when every commit is listed', () => {
    const payload = fixture('gitlab/push-hook.json');
    payload.total_commits_count = 2;
    payload.commits[1].removed = ['doc/old.md'];

    const result = normaliseGitlabPush(payload, context);

    expect(result.kind === 'push' && result.push.changedPaths).toEqual([
      'CHANGELOG',
      'app/controller/application.rb',
      'doc/old.md',
    ]);
  });

  it('normalises the documented Tag Push Hook example with the pusher as author', () => {
    const result = normaliseGitlabPush(fixture('gitlab/tag-push-hook.json'), context);

    expect(result.kind === 'push' && result.push).toMatchObject({
      repo: 'jsmith/example',
      ref: 'refs/tags/v1.0.0',
      tag: 'v1.0.0',
      commit: '82b3d5ae55f7080f1e6022629cdb57bfae7cccc7',
      author: 'John Smith',
      url: 'http://example.com/jsmith/example/-/commit/82b3d5ae55f7080f1e6022629cdb57bfae7cccc7',
      pathsUnknownReason: expect.stringContaining('tag push'),
    });
    expect(result.kind === 'push' && result.push.previousCommit).toBeUndefined();
  });

  it('takes checkout_sha as the commit of an annotated tag, whose after is the tag object', () => {
    const payload = fixture('gitlab/tag-push-hook.json');
    payload.after = 'f'.repeat(40);

    const result = normaliseGitlabPush(payload, context);

    expect(result.kind === 'push' && result.push.commit).toBe('82b3d5ae55f7080f1e6022629cdb57bfae7cccc7');
  });

  it('says why the paths are unknown for a new branch pushed without new commits', () => {
    const payload = fixture('gitlab/push-hook.json');
    Object.assign(payload, { before: '0'.repeat(40), commits: [], total_commits_count: 0 });

    const result = normaliseGitlabPush(payload, context);

    expect(result.kind === 'push' && result.push).toMatchObject({
      author: 'John Smith',
      pathsUnknownReason: expect.stringContaining('lists no new commits'),
    });
  });

  it('reports a deleted branch as a deletion', () => {
    const payload = fixture('gitlab/push-hook.json');
    Object.assign(payload, {
      after: '0'.repeat(40),
      checkout_sha: null,
      commits: [],
      total_commits_count: 0,
    });

    expect(normaliseGitlabPush(payload, context)).toEqual({
      kind: 'deleted',
      provider: 'gitlab',
      repo: 'mike/diaspora',
      ref: 'refs/heads/master',
    });
  });

  it.each([
    ['project.path_with_namespace', (p: Payload) => delete p.project.path_with_namespace],
    ['project', (p: Payload) => delete p.project],
    [
      'object_kind',
      (p: Payload) => {
        p.object_kind = 'issue';
      },
    ],
    [
      'commits.0.id',
      (p: Payload) => {
        p.commits[0].id = 42;
      },
    ],
  ])('refuses a payload whose %s is wrong, naming the field', (field, spoil) => {
    const payload = fixture('gitlab/push-hook.json');
    spoil(payload);

    expect(() => normaliseGitlabPush(payload, context)).toThrow(ValidationError);
    expect(() => normaliseGitlabPush(payload, context)).toThrow(field);
  });
});
