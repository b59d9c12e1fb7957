import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';

/** `https://…`, `file://…`, `ssh://…` or scp-like `git@host:owner/repo`; anything else is a local path. */
const isUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^[\w.-]+@[\w.-]+:/.test(s);

/** Cloning or checking out failed; the message carries git's own stderr. */
export class GitCheckoutError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'GitCheckoutError';
  }
}

export interface CheckoutRequest {
  /** A local (bare) repository path, a `file://` URL, or any URL git can fetch from. */
  cloneUrl: string;
  /** The 40-hex commit to check out. */
  commit: string;
  /** The work directory to create; must not exist yet, or be empty. */
  directory: string;
  /** The environment git runs with (PATH, HOME…); prompts are always turned off. */
  env?: Record<string, string | undefined>;
  /** Aborts the running git command (a stopped or timed-out build). */
  signal?: AbortSignal;
  /** History to fetch: 1 (the default, as CodeBuild's webhook builds) or 0 for all of it. */
  depth?: number;
}

/**
 * Checks out exactly `commit` (detached HEAD) from `cloneUrl` into a fresh directory, with real
 * git and no shell. It fetches the one commit by its id first — cheap, and it works for a commit
 * that no branch points at any more — and falls back to fetching every branch when the server
 * refuses to serve a commit by id. Resolves with the checked-out commit id.
 */
export async function checkoutCommit(request: CheckoutRequest): Promise<string> {
  const { cloneUrl, commit, directory, signal } = request;
  if (!/^[0-9a-f]{40}$/.test(commit)) throw new GitCheckoutError(`"${commit}" is not a full commit id`, '');
  if (cloneUrl.startsWith('-')) throw new GitCheckoutError(`"${cloneUrl}" is not a repository URL`, '');
  const env = { ...request.env, GIT_TERMINAL_PROMPT: '0' };
  const git = (args: string[]) => runGit(args, { cwd: directory, env, signal });

  await mkdir(directory, { recursive: true });
  await git(['init', '--quiet']);
  await git(['remote', 'add', 'origin', isUrl(cloneUrl) ? cloneUrl : resolve(cloneUrl)]);
  const depth = request.depth ?? 1;
  try {
    await git([
      'fetch',
      '--quiet',
      '--no-tags',
      ...(depth > 0 ? [`--depth=${depth}`] : []),
      'origin',
      commit,
    ]);
  } catch (error) {
    if (signal?.aborted) throw error;
    // Some servers serve only advertised refs; then fetch them all and look for the commit.
    await git(['fetch', '--quiet', '--no-tags', 'origin', '+refs/heads/*:refs/remotes/origin/*']);
    try {
      await git(['cat-file', '-e', `${commit}^{commit}`]);
    } catch {
      throw new GitCheckoutError(
        `commit ${commit} is not in ${cloneUrl}`,
        (error as GitCheckoutError).stderr ?? '',
        {
          cause: error,
        },
      );
    }
  }
  await git(['checkout', '--quiet', '--detach', commit]);
  const head = (await git(['rev-parse', 'HEAD'])).trim();
  if (head !== commit) throw new GitCheckoutError(`checked out ${head} instead of ${commit}`, '');
  return head;
}

function runGit(
  args: string[],
  options: { cwd: string; env: Record<string, string | undefined>; signal?: AbortSignal },
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { ...options, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const text = String(stderr).trim();
      const why = text || error.message;
      reject(new GitCheckoutError(`git ${args[0]} failed: ${why}`, text, { cause: error }));
    });
  });
}
