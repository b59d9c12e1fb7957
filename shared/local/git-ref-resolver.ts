import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import type { SourcePush } from '../../events/source-push.ts';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import type { PipelineConfig } from '../domain/pipeline-config.ts';
import {
  noSuchRef,
  type ParsedRef,
  parseRef,
  type RefResolver,
  type ResolveOptions,
  refFields,
  sourceOf,
} from '../ports/ref-resolver.ts';
import type { RunStore } from '../ports/run-store.ts';

export interface GitRefResolverOptions {
  /** Where the last run of a pipeline says its repository is (`run.source.cloneUrl`). */
  store: Pick<RunStore, 'list'>;
  /** Where a remote repository's commit is fetched to be read (default: the system's temp folder). */
  tmpDir?: string;
  /** How long one git command may take (default 60 s): a remote that hangs must not hold the request. */
  timeoutMs?: number;
}

/** `https://…`, `file://…`, `ssh://…` or scp-like `git@host:owner/repo`; anything else is a local path. */
const isUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^[\w.-]+@[\w.-]+:/.test(s);

/** A ref found in the repository: its commit, and the branch or tag that named it. */
type Found = { sha: string } & ({ branch: string } | { tag: string } | { commit: string });

/**
 * Local mode's `RefResolver`, with real git. The repository is the one a caller names (`--repo`),
 * else the clone URL the pipeline's last run recorded — a bare repository path or a URL. Branches
 * and tags come from `git ls-remote`; the commit's message, author and date from `git show`, in
 * the repository itself when it is a local path, else after a shallow fetch of that one commit
 * into a temporary repository (an abbreviated id no ref points at needs the refs' history: fetched
 * without trees or blobs).
 *
 * Git runs without a shell, without prompts, with a timeout, and only over file, git, http(s) and
 * ssh — a repository named in a request cannot reach git's `ext::` transport.
 */
export class GitRefResolver implements RefResolver {
  private readonly timeoutMs: number;

  constructor(private readonly options: GitRefResolverOptions) {
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  async resolve(pipeline: PipelineConfig, ref: string, options: ResolveOptions = {}): Promise<SourcePush> {
    const parsed = parseRef(ref);
    const { provider, repo } = sourceOf(pipeline);
    const repository = await this.repositoryOf(pipeline, options.repository);
    const local = !isUrl(repository);
    const remote = local ? resolvePath(repository) : repository;
    const scratch = local ? undefined : await mkdtemp(join(this.options.tmpDir ?? tmpdir(), 'pushline-ref-'));
    try {
      const readFrom = scratch ? await this.scratchRepository(scratch, remote) : remote;
      const found = await this.find(parsed, remote, readFrom, scratch !== undefined);
      if (!found) throw noSuchRef(ref, repo);
      if (scratch) await this.fetchCommit(readFrom, found.sha);
      const commit = await this.describe(readFrom, found.sha);
      if (!commit) throw noSuchRef(ref, repo);
      const { sha: _sha, ...named } = found;
      return {
        provider,
        repo,
        ...refFields(named),
        ...commit,
        ...(webUrl(provider, repo, commit.commit) ? { url: webUrl(provider, repo, commit.commit)! } : {}),
        cloneUrl: local && options.repository ? remote : repository,
      };
    } finally {
      if (scratch) await rm(scratch, { recursive: true, force: true });
    }
  }

  /** The repository named by the caller, else the one the pipeline's last run was cloned from. */
  private async repositoryOf(pipeline: PipelineConfig, given: string | undefined): Promise<string> {
    const repository =
      given?.trim() ||
      (await this.options.store.list({ pipeline: pipeline.name, limit: 1 })).runs[0]?.source.cloneUrl;
    if (!repository) {
      throw new ValidationError(
        `Pushline does not know where the repository of pipeline ${pipeline.name} is: push to it once, or name it (--repo <path or url>, "repository" in the request)`,
      );
    }
    if (repository.startsWith('-'))
      throw new ValidationError(`"${repository}" is not a repository path or URL`);
    return repository;
  }

  /** The commit `parsed` names: a branch, else a tag, else an abbreviated or whole commit id. */
  private async find(
    parsed: ParsedRef,
    remote: string,
    readFrom: string,
    fetched: boolean,
  ): Promise<Found | undefined> {
    if (parsed.kind === 'commit') {
      if (fetched && !(await this.tryFetchCommit(readFrom, parsed.sha))) return undefined;
      return { sha: parsed.sha, commit: parsed.sha };
    }
    const refs = await this.listRefs(remote);
    const branch = parsed.only !== 'tag' ? refs.heads.get(parsed.name) : undefined;
    if (branch) return { sha: branch, branch: parsed.name };
    const tag = parsed.only !== 'branch' ? refs.tags.get(parsed.name) : undefined;
    if (tag) return { sha: tag, tag: parsed.name };
    if (!parsed.abbreviated) return undefined;
    const prefix = parsed.abbreviated;
    const tips = new Set(
      [...refs.heads.values(), ...refs.tags.values()].filter((sha) => sha.startsWith(prefix)),
    );
    if (tips.size === 1) {
      const [sha] = [...tips] as [string];
      return { sha, commit: sha };
    }
    // Not the tip of any ref: look through history (for a remote, its refs fetched without trees or blobs).
    if (fetched) {
      await this.git(readFrom, [
        'fetch',
        '--quiet',
        '--filter=tree:0',
        'origin',
        '+refs/heads/*:refs/heads/*',
        '+refs/tags/*:refs/tags/*',
      ]);
    }
    const sha = await this.revParse(readFrom, prefix);
    return sha ? { sha, commit: sha } : undefined;
  }

  /** Branch and tag tips, from `git ls-remote` (a tag's peeled `^{}` line gives its commit). */
  private async listRefs(remote: string): Promise<{ heads: Map<string, string>; tags: Map<string, string> }> {
    let text: string;
    try {
      text = await this.git(process.cwd(), ['ls-remote', '--heads', '--tags', remote]);
    } catch (error) {
      throw new NotFoundError(`cannot read the repository ${remote}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const heads = new Map<string, string>();
    const tags = new Map<string, string>();
    for (const line of text.split('\n')) {
      const [sha, ref] = line.split('\t');
      if (!sha || !ref) continue;
      if (ref.startsWith('refs/heads/')) heads.set(ref.slice('refs/heads/'.length), sha);
      else if (ref.endsWith('^{}')) tags.set(ref.slice('refs/tags/'.length, -3), sha);
      else if (ref.startsWith('refs/tags/') && !tags.has(ref.slice('refs/tags/'.length))) {
        tags.set(ref.slice('refs/tags/'.length), sha);
      }
    }
    return { heads, tags };
  }

  /** The whole id of the commit an abbreviated id names; a `ValidationError` when it names several. */
  private async revParse(repository: string, prefix: string): Promise<string | undefined> {
    try {
      return (
        (await this.git(repository, ['rev-parse', '--verify', '--quiet', `${prefix}^{commit}`])).trim() ||
        undefined
      );
    } catch (error) {
      if (/ambiguous/i.test((error as Error).message)) {
        throw new ValidationError(`"${prefix}" names more than one commit: give more of its digits`);
      }
      return undefined;
    }
  }

  /** A bare repository in `dir` with `remote` as its origin, to fetch into. */
  private async scratchRepository(dir: string, remote: string): Promise<string> {
    await this.git(dir, ['init', '--quiet', '--bare']);
    await this.git(dir, ['remote', 'add', 'origin', remote]);
    return dir;
  }

  private async tryFetchCommit(repository: string, sha: string): Promise<boolean> {
    try {
      await this.fetchCommit(repository, sha);
      return true;
    } catch {
      return false;
    }
  }

  /** Fetches one commit by its id, without its history. */
  private async fetchCommit(repository: string, sha: string): Promise<void> {
    if (await this.has(repository, sha)) return;
    await this.git(repository, ['fetch', '--quiet', '--no-tags', '--depth=1', 'origin', sha]);
  }

  private async has(repository: string, sha: string): Promise<boolean> {
    try {
      await this.git(repository, ['cat-file', '-e', `${sha}^{commit}`]);
      return true;
    } catch {
      return false;
    }
  }

  /** The commit's id, message, author and committer date, or `undefined` when the repository lacks it. */
  private async describe(
    repository: string,
    sha: string,
  ): Promise<Pick<SourcePush, 'commit' | 'message' | 'author' | 'pushedAt'> | undefined> {
    let raw: string;
    try {
      raw = await this.git(repository, ['show', '-s', '--format=%H%x00%an%x00%cI%x00%B', `${sha}^{commit}`]);
    } catch {
      return undefined;
    }
    const [commit = sha, author = '', date = '', ...message] = raw.split('\0');
    return {
      commit,
      message: message.join('\0').replace(/\n+$/, ''),
      author,
      pushedAt: new Date(date).toISOString(),
    };
  }

  private git(cwd: string, args: string[]): Promise<string> {
    const env = {
      ...process.env,
      GIT_TERMINAL_PROMPT: '0',
      GIT_ALLOW_PROTOCOL: 'file:git:http:https:ssh',
      LC_ALL: 'C',
    };
    return new Promise((resolve, reject) => {
      execFile(
        'git',
        args,
        { cwd, env, timeout: this.timeoutMs, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (!error) return resolve(stdout);
          const said = String(stderr).trim().split('\n').at(-1) || error.message;
          reject(new Error(`git ${args[0]} failed: ${said}`, { cause: error }));
        },
      );
    });
  }
}

/** A link to the commit on its Git host (local mode's pushes link the same way); none for CodeCommit. */
function webUrl(provider: SourcePush['provider'], repo: string, commit: string): string | undefined {
  if (provider === 'github') return `https://github.com/${repo}/commit/${commit}`;
  if (provider === 'gitlab') return `https://gitlab.com/${repo}/-/commit/${commit}`;
  return undefined;
}
