import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A bare repository and a working clone in a temporary directory, with real git. */
export interface GitFixture {
  root: string;
  /** The bare repository: what a push lands in, and what `SourcePush.cloneUrl` names. */
  bare: string;
  work: string;
  /** Writes files (path → content; `null` deletes), commits, pushes to `branch`; resolves with the commit id. */
  commit(files: Record<string, string | null>, message?: string, branch?: string): Promise<string>;
  git(args: string[], cwd?: string): Promise<string>;
  cleanup(): Promise<void>;
}

const IDENTITY = [
  '-c',
  'user.name=Ada Lovelace',
  '-c',
  'user.email=ada@example.com',
  '-c',
  'commit.gpgsign=false',
];

export async function makeGitFixture(): Promise<GitFixture> {
  const root = await mkdtemp(join(tmpdir(), 'pushline-git-'));
  const bare = join(root, 'origin.git');
  const work = join(root, 'work');
  const git = async (args: string[], cwd = root) =>
    (await run('git', [...IDENTITY, ...args], { cwd })).stdout;
  await git(['init', '--quiet', '--bare', '--initial-branch=main', bare]);
  await git(['init', '--quiet', '--initial-branch=main', work]);
  await git(['remote', 'add', 'origin', bare], work);
  return {
    root,
    bare,
    work,
    git,
    async commit(files, message = 'change', branch = 'main') {
      const current = (await git(['branch', '--show-current'], work)).trim();
      if (current !== branch) {
        const exists = (await git(['branch', '--list', branch], work)).trim() !== '';
        await git(exists ? ['checkout', '--quiet', branch] : ['checkout', '--quiet', '-b', branch], work);
      }
      for (const [path, content] of Object.entries(files)) {
        const full = join(work, path);
        if (content === null) {
          await rm(full, { force: true });
        } else {
          await mkdir(dirname(full), { recursive: true });
          await writeFile(full, content);
        }
      }
      await git(['add', '--all'], work);
      await git(['commit', '--quiet', '--allow-empty', '-m', message], work);
      await git(['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`], work);
      return (await git(['rev-parse', 'HEAD'], work)).trim();
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** A file of test/fixtures/buildspec, as text. */
export function fixture(path: string): Promise<string> {
  return readFile(new URL(`../../../../fixtures/buildspec/${path}`, import.meta.url), 'utf8');
}
