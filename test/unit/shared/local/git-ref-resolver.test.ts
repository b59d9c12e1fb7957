import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GitRefResolver } from '../../../../shared/local/git-ref-resolver.ts';
import { MemoryRunStore } from '../../../../shared/local/memory-run-store.ts';
import { FakeClock } from '../../../support/fake-clock.ts';
import { pipelineConfig, runStarted, T0 } from '../../../support/runs.ts';
import { type GitFixture, makeGitFixture } from './buildspec/git-fixture.ts';

const pipeline = pipelineConfig({ source: { github: 'acme/web' } });

/** A store whose last run of `web` was cloned from `cloneUrl` (as a push through the hook records it). */
async function storeCloningFrom(cloneUrl: string): Promise<MemoryRunStore> {
  const store = new MemoryRunStore({ clock: new FakeClock(T0) });
  const event = runStarted();
  event.detail.source = { ...event.detail.source, cloneUrl };
  await store.startRuns({ id: 'delivery-1', provider: 'github' }, [event]);
  return store;
}

describe('GitRefResolver', () => {
  let repo: GitFixture;
  let first: string;
  let second: string;
  let onSide: string;
  let sideTip: string;
  let resolver: GitRefResolver;

  beforeAll(async () => {
    repo = await makeGitFixture();
    first = await repo.commit({ 'app.txt': 'one\n' }, 'First release\n\nWith a body.');
    await repo.git(['tag', '-a', 'v1.0.0', '-m', 'Version 1', first], repo.work);
    await repo.git(['tag', 'light', first], repo.work);
    second = await repo.commit({ 'app.txt': 'two\n' }, 'Second release');
    onSide = await repo.commit({ 'app.txt': 'side\n' }, 'Side work', 'feature/side');
    sideTip = await repo.commit({ 'app.txt': 'more side\n' }, 'More side work', 'feature/side');
    await repo.git(['push', '--quiet', '--tags', 'origin'], repo.work);
    resolver = new GitRefResolver({ store: await storeCloningFrom(repo.bare) });
  });
  afterAll(() => repo.cleanup());

  it('resolves a branch of the repository the last run was cloned from to its tip commit', async () => {
    // Act
    const push = await resolver.resolve(pipeline, 'main');

    // Assess
    expect(push).toEqual({
      provider: 'github',
      repo: 'acme/web',
      ref: 'refs/heads/main',
      branch: 'main',
      commit: second,
      message: 'Second release',
      author: 'Ada Lovelace',
      pushedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      url: `https://github.com/acme/web/commit/${second}`,
      cloneUrl: repo.bare,
    });
  });

  it('resolves a branch with a slash, and a fully qualified branch ref', async () => {
    expect(await resolver.resolve(pipeline, 'feature/side')).toMatchObject({
      branch: 'feature/side',
      commit: sideTip,
    });
    expect(await resolver.resolve(pipeline, 'refs/heads/main')).toMatchObject({
      branch: 'main',
      commit: second,
    });
  });

  it('resolves an annotated tag to the commit it tags, not to the tag object, and a lightweight tag', async () => {
    expect(await resolver.resolve(pipeline, 'v1.0.0')).toMatchObject({
      ref: 'refs/tags/v1.0.0',
      tag: 'v1.0.0',
      commit: first,
      message: 'First release\n\nWith a body.',
    });
    expect(await resolver.resolve(pipeline, 'refs/tags/light')).toMatchObject({
      tag: 'light',
      commit: first,
    });
  });

  it('resolves a whole commit id and an abbreviated one that no ref points at', async () => {
    // Act
    const whole = await resolver.resolve(pipeline, first);
    const short = await resolver.resolve(pipeline, first.slice(0, 7));

    // Assess
    expect(whole).toMatchObject({
      ref: `refs/commits/${first}`,
      commit: first,
      message: 'First release\n\nWith a body.',
    });
    expect(whole.branch).toBeUndefined();
    expect(whole.tag).toBeUndefined();
    expect(short).toMatchObject({ commit: first, ref: `refs/commits/${first}` });
  });

  it('reads a remote repository by URL: ls-remote, then a shallow fetch of the one commit', async () => {
    // Prepare
    const url = `file://${repo.bare}`;

    // Act
    const branch = await resolver.resolve(pipeline, 'main', { repository: url });
    const tag = await resolver.resolve(pipeline, 'v1.0.0', { repository: url });
    const whole = await resolver.resolve(pipeline, onSide, { repository: url });
    const shortTag = await resolver.resolve(pipeline, first.slice(0, 8), { repository: url });
    const short = await resolver.resolve(pipeline, onSide.slice(0, 8), { repository: url });

    // Assess
    expect(branch).toMatchObject({
      branch: 'main',
      commit: second,
      message: 'Second release',
      cloneUrl: url,
    });
    expect(tag).toMatchObject({ tag: 'v1.0.0', commit: first });
    expect(whole).toMatchObject({ commit: onSide, message: 'Side work' });
    expect(shortTag).toMatchObject({ commit: first });
    expect(short).toMatchObject({ commit: onSide, message: 'Side work' });
  });

  it('answers 404 for a ref the repository does not have, naming the repository', async () => {
    await expect(resolver.resolve(pipeline, 'no-such-branch')).rejects.toMatchObject({
      name: 'NotFoundError',
      message: 'no branch, tag or commit "no-such-branch" in acme/web',
    });
    await expect(resolver.resolve(pipeline, 'f'.repeat(40))).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(resolver.resolve(pipeline, 'deadbeef')).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(
      resolver.resolve(pipeline, 'f'.repeat(40), { repository: `file://${repo.bare}` }),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('refuses a malformed ref before running git, and never takes one for an option', async () => {
    for (const ref of [
      '',
      'main..next',
      '--upload-pack=touch /tmp/x',
      'a b',
      'main~1',
      'x.lock',
      'refs/heads/',
    ]) {
      await expect(resolver.resolve(pipeline, ref)).rejects.toMatchObject({ name: 'ValidationError' });
    }
  });

  it('says to push once or name the repository when no run has recorded where it is', async () => {
    // Prepare
    const empty = new GitRefResolver({ store: new MemoryRunStore({ clock: new FakeClock(T0) }) });

    // Act / Assess
    await expect(empty.resolve(pipeline, 'main')).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('push to it once, or name it (--repo <path or url>'),
    });
    expect(await empty.resolve(pipeline, 'main', { repository: repo.bare })).toMatchObject({
      commit: second,
    });
  });

  it('answers 404 for a repository that is not there', async () => {
    await expect(
      resolver.resolve(pipeline, 'main', { repository: `${repo.root}/missing.git` }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining('cannot read the repository'),
    });
  });
});
