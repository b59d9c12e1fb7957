import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  buildPushPayload,
  parsePostReceiveInput,
  ZERO_SHA,
} from '../../../../shared/local/git-push-payload.ts';

const sh = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Ada',
      GIT_AUTHOR_EMAIL: 'ada@example.com',
      GIT_COMMITTER_NAME: 'Ada',
      GIT_COMMITTER_EMAIL: 'ada@example.com',
    },
  }).trim();

describe('buildPushPayload', () => {
  let dir: string;
  let repo: string;
  let first: string;
  let second: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pushline-payload-'));
    repo = path.join(dir, 'work');
    sh(dir, 'init', '-q', '-b', 'main', repo);
    writeFileSync(path.join(repo, 'a.txt'), 'a\n');
    writeFileSync(path.join(repo, 'b.txt'), 'b\n');
    sh(repo, 'add', '.');
    sh(repo, 'commit', '-q', '-m', 'First commit\n\nWith a body.');
    first = sh(repo, 'rev-parse', 'HEAD');
    writeFileSync(path.join(repo, 'a.txt'), 'changed\n');
    rmSync(path.join(repo, 'b.txt'));
    writeFileSync(path.join(repo, 'c.txt'), 'c\n');
    sh(repo, 'add', '-A');
    sh(repo, 'commit', '-q', '-m', 'Second commit');
    second = sh(repo, 'rev-parse', 'HEAD');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the pushed commits with their added, removed and modified files', async () => {
    const payload = await buildPushPayload({
      gitDir: repo,
      update: { oldRev: first, newRev: second, ref: 'refs/heads/main' },
      repo: 'acme/web',
      cloneUrl: repo,
      now: new Date('2026-11-27T10:00:00Z'),
    });

    expect(payload).toMatchObject({
      ref: 'refs/heads/main',
      before: first,
      after: second,
      created: false,
      deleted: false,
      forced: false,
    });
    expect(payload.commits).toHaveLength(1);
    expect(payload.commits[0]).toMatchObject({
      id: second,
      message: 'Second commit',
      added: ['c.txt'],
      removed: ['b.txt'],
      modified: ['a.txt'],
    });
    expect(payload.head_commit?.id).toBe(second);
    expect(payload.repository).toMatchObject({
      full_name: 'acme/web',
      clone_url: repo,
      pushed_at: 1795773600,
    });
  });

  it('lists every new commit when a branch is created, with the root commit files as added', async () => {
    const payload = await buildPushPayload({
      gitDir: repo,
      update: { oldRev: ZERO_SHA, newRev: second, ref: 'refs/heads/main' },
      repo: 'acme/web',
      cloneUrl: repo,
    });

    expect(payload.created).toBe(true);
    expect(payload.commits.map((c) => c.id)).toEqual([first, second]);
    expect(payload.commits[0]).toMatchObject({
      message: 'First commit\n\nWith a body.',
      added: ['a.txt', 'b.txt'],
    });
  });

  it('marks a push that rewrites history as forced', async () => {
    const payload = await buildPushPayload({
      gitDir: repo,
      update: { oldRev: second, newRev: first, ref: 'refs/heads/main' },
      repo: 'acme/web',
      cloneUrl: repo,
    });

    expect(payload.forced).toBe(true);
    expect(payload.commits).toEqual([]);
  });

  it('describes a deletion with no head commit', async () => {
    const payload = await buildPushPayload({
      gitDir: repo,
      update: { oldRev: second, newRev: ZERO_SHA, ref: 'refs/heads/gone' },
      repo: 'acme/web',
      cloneUrl: repo,
    });

    expect(payload).toMatchObject({ deleted: true, after: ZERO_SHA, head_commit: null, commits: [] });
  });
});

describe('parsePostReceiveInput', () => {
  it('reads one ref update per line', () => {
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    expect(parsePostReceiveInput(`${a} ${b} refs/heads/main\n${ZERO_SHA} ${b} refs/tags/v1\n`)).toEqual([
      { oldRev: a, newRev: b, ref: 'refs/heads/main' },
      { oldRev: ZERO_SHA, newRev: b, ref: 'refs/tags/v1' },
    ]);
  });

  it('refuses a line that is not an update, saying which', () => {
    expect(() => parsePostReceiveInput('nonsense here')).toThrow('not a post-receive line: "nonsense here"');
  });
});
