import { git, gitSucceeds } from './git.ts';

export const ZERO_SHA = '0000000000000000000000000000000000000000';

/** GitHub lists at most this many commits in a push payload; we do the same. */
const MAX_COMMITS = 2048;

export interface RefUpdate {
  oldRev: string;
  newRev: string;
  ref: string;
}

interface PayloadCommit {
  id: string;
  tree_id: string;
  distinct: boolean;
  message: string;
  timestamp: string;
  url: string;
  author: { name: string; email: string; username?: string };
  committer: { name: string; email: string; username?: string };
  added: string[];
  removed: string[];
  modified: string[];
}

/** The part of GitHub's `push` payload that Pushline builds locally. */
export interface GithubPushPayload {
  ref: string;
  before: string;
  after: string;
  created: boolean;
  deleted: boolean;
  forced: boolean;
  base_ref: null;
  compare: string;
  commits: PayloadCommit[];
  head_commit: PayloadCommit | null;
  repository: {
    id: number;
    name: string;
    full_name: string;
    private: boolean;
    owner: { name: string; login: string };
    html_url: string;
    url: string;
    clone_url: string;
    default_branch: string;
    master_branch: string;
    pushed_at: number;
  };
  pusher: { name: string; email: string };
  sender: { login: string };
}

/** Parses the stdin of a `post-receive` hook: one `<old> <new> <ref>` line per pushed ref. */
export function parsePostReceiveInput(text: string): RefUpdate[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [oldRev, newRev, ref] = line.split(/\s+/);
      if (!oldRev || !newRev || !ref || !/^[0-9a-f]{40}$/.test(oldRev) || !/^[0-9a-f]{40}$/.test(newRev)) {
        throw new Error(`not a post-receive line: "${line}"`);
      }
      return { oldRev, newRev, ref };
    });
}

async function describeCommit(gitDir: string, sha: string, webUrl: string): Promise<PayloadCommit> {
  const raw = await git(gitDir, [
    'show',
    '-s',
    '--format=%H%x00%T%x00%an%x00%ae%x00%cn%x00%ce%x00%cI%x00%B',
    sha,
  ]);
  const [id = sha, tree = '', an = '', ae = '', cn = '', ce = '', date = '', ...message] = raw.split('\0');
  // Changes against the first parent, as GitHub reports them (renames as removed + added).
  const diff = await git(gitDir, [
    'diff-tree',
    '-r',
    '--no-commit-id',
    '--name-status',
    '--no-renames',
    '--root',
    '-m',
    '--first-parent',
    sha,
  ]);
  const added: string[] = [];
  const removed: string[] = [];
  const modified: string[] = [];
  for (const line of diff.split('\n').filter(Boolean)) {
    const [status, path] = line.split('\t');
    if (!path) continue;
    if (status === 'A') added.push(path);
    else if (status === 'D') removed.push(path);
    else modified.push(path);
  }
  return {
    id,
    tree_id: tree,
    distinct: true,
    message: message.join('\0').replace(/\n+$/, ''),
    timestamp: date,
    url: `${webUrl}/commit/${id}`,
    author: { name: an, email: ae },
    committer: { name: cn, email: ce },
    added,
    removed,
    modified,
  };
}

/**
 * Builds a GitHub-format `push` webhook payload for one ref update in a local repository, with the
 * commits and their added/removed/modified files computed by git — so the local server receives
 * exactly what GitHub would send and goes through the same verification and normalisation.
 */
export async function buildPushPayload(options: {
  gitDir: string;
  update: RefUpdate;
  /** `owner/name`, as the pipeline file's `source.github` names it. */
  repo: string;
  cloneUrl: string;
  pusher?: { name: string; email: string };
  now?: Date;
}): Promise<GithubPushPayload> {
  const { gitDir, update, repo } = options;
  const [owner = repo, name = repo] = repo.split('/');
  const webUrl = `https://github.com/${repo}`;
  const deleted = update.newRev === ZERO_SHA;
  const created = update.oldRev === ZERO_SHA;
  const head = deleted ? undefined : (await git(gitDir, ['rev-parse', `${update.newRev}^{commit}`])).trim();

  let shas: string[] = [];
  if (head && created) {
    // Commits new to the repository: reachable from the new ref and from no other ref.
    const others = (await git(gitDir, ['for-each-ref', '--format=%(refname)']))
      .split('\n')
      .filter((ref) => ref && ref !== update.ref);
    shas = (
      await git(gitDir, [
        'rev-list',
        '--reverse',
        `--max-count=${MAX_COMMITS}`,
        head,
        ...(others.length ? ['--not', ...others] : []),
      ])
    )
      .split('\n')
      .filter(Boolean);
  } else if (head) {
    shas = (
      await git(gitDir, ['rev-list', '--reverse', `--max-count=${MAX_COMMITS}`, `${update.oldRev}..${head}`])
    )
      .split('\n')
      .filter(Boolean);
  }
  const commits = await Promise.all(shas.map((sha) => describeCommit(gitDir, sha, webUrl)));
  const headCommit = head
    ? (commits.find((c) => c.id === head) ?? (await describeCommit(gitDir, head, webUrl)))
    : null;
  const forced =
    !created &&
    !deleted &&
    !(await gitSucceeds(gitDir, ['merge-base', '--is-ancestor', update.oldRev, head!]));
  const pusher = options.pusher ?? {
    name: headCommit?.author.name ?? 'pushline',
    email: headCommit?.author.email ?? '',
  };
  const now = options.now ?? new Date();

  return {
    ref: update.ref,
    before: update.oldRev,
    after: head ?? ZERO_SHA,
    created,
    deleted,
    forced,
    base_ref: null,
    compare:
      created || deleted
        ? `${webUrl}/compare/${update.ref.replace(/^refs\/(heads|tags)\//, '')}`
        : `${webUrl}/compare/${update.oldRev.slice(0, 12)}...${(head ?? '').slice(0, 12)}`,
    commits,
    head_commit: headCommit,
    repository: {
      id: 0,
      name,
      full_name: repo,
      private: true,
      owner: { name: owner, login: owner },
      html_url: webUrl,
      url: webUrl,
      clone_url: options.cloneUrl,
      default_branch: 'main',
      master_branch: 'main',
      pushed_at: Math.floor(now.getTime() / 1000),
    },
    pusher,
    sender: { login: pusher.name },
  };
}
