import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { checkoutCommit, GitCheckoutError } from '../../../../shared/local/git-checkout.ts';
import { type GitFixture, makeGitFixture } from './buildspec/git-fixture.ts';

const run = promisify(execFile);
const env = { PATH: process.env.PATH, HOME: process.env.HOME };

describe('checkoutCommit', () => {
  let repo: GitFixture;
  let first: string;
  let second: string;
  let onSide: string;

  beforeAll(async () => {
    repo = await makeGitFixture();
    first = await repo.commit({ 'app.txt': 'one\n' }, 'first');
    second = await repo.commit({ 'app.txt': 'two\n', 'lib/util.txt': 'util\n' }, 'second');
    onSide = await repo.commit({ 'app.txt': 'side\n' }, 'side work', 'feature/side');
  });
  afterAll(() => repo.cleanup());

  it('checks out the pushed commit, detached, from a bare repository path', async () => {
    // Prepare
    const directory = join(repo.root, 'co-tip');

    // Act
    const head = await checkoutCommit({ cloneUrl: repo.bare, commit: second, directory, env });

    // Assess
    expect(head).toBe(second);
    expect(await readFile(join(directory, 'lib/util.txt'), 'utf8')).toBe('util\n');
    // Detached: HEAD is no branch, so symbolic-ref exits 1.
    await expect(run('git', ['symbolic-ref', '-q', 'HEAD'], { cwd: directory })).rejects.toMatchObject({
      code: 1,
    });
  });

  it('checks out an older commit that no branch points at, through a file:// URL', async () => {
    const directory = join(repo.root, 'co-old');

    const head = await checkoutCommit({ cloneUrl: `file://${repo.bare}`, commit: first, directory, env });

    expect(head).toBe(first);
    expect(await readFile(join(directory, 'app.txt'), 'utf8')).toBe('one\n');
  });

  it('checks out a commit of another branch, with full history when asked', async () => {
    const directory = join(repo.root, 'co-side');

    await checkoutCommit({ cloneUrl: repo.bare, commit: onSide, directory, env, depth: 0 });

    expect(await readFile(join(directory, 'app.txt'), 'utf8')).toBe('side\n');
    const count = (await run('git', ['rev-list', '--count', 'HEAD'], { cwd: directory })).stdout.trim();
    expect(count).toBe('3');
  });

  it("fails with git's stderr when the commit is not in the repository", async () => {
    const directory = join(repo.root, 'co-missing');

    const error = await checkoutCommit({ cloneUrl: repo.bare, commit: 'f'.repeat(40), directory, env }).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(GitCheckoutError);
    expect((error as Error).message).toContain(`commit ${'f'.repeat(40)} is not in`);
    expect((error as GitCheckoutError).stderr).not.toBe('');
  });

  it("fails with git's stderr when the repository does not exist", async () => {
    const directory = join(repo.root, 'co-nowhere');

    const error = await checkoutCommit({
      cloneUrl: join(repo.root, 'no-such.git'),
      commit: second,
      directory,
      env,
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GitCheckoutError);
    expect((error as Error).message).toMatch(/does not appear to be a git repository|not found|No such/i);
  });

  it('refuses a commit id that is not a full hexadecimal id, and a URL that looks like an option', async () => {
    const directory = join(repo.root, 'co-bad');

    await expect(checkoutCommit({ cloneUrl: repo.bare, commit: 'main', directory, env })).rejects.toThrow(
      'is not a full commit id',
    );
    await expect(
      checkoutCommit({ cloneUrl: '--upload-pack=touch /tmp/x', commit: second, directory, env }),
    ).rejects.toThrow('is not a repository URL');
  });

  it('stops git when the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort();

    const error = await checkoutCommit({
      cloneUrl: repo.bare,
      commit: second,
      directory: join(repo.root, 'co-aborted'),
      env,
      signal: controller.signal,
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GitCheckoutError);
  });
});
