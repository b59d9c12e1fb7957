import type { Octokit } from '@octokit/rest';
import type { SourcePush } from '../../events/source-push.ts';
import { ForbiddenError, TransientError } from '../domain/errors.ts';
import type { PipelineConfig } from '../domain/pipeline-config.ts';
import {
  noSuchRef,
  type ParsedRef,
  parseRef,
  type RefResolver,
  refFields,
  repositoryOn,
} from '../ports/ref-resolver.ts';

export interface GitHubRefResolverOptions {
  /** An Octokit with a token that may read the repositories (contents: read). */
  octokit: Pick<Octokit, 'rest'>;
}

type CommitData = Awaited<ReturnType<Octokit['rest']['repos']['getCommit']>>['data'];
type Found = { data: CommitData } & ({ branch: string } | { tag: string } | { commit: string });

/**
 * AWS mode's `RefResolver` for pipelines on GitHub, through `GET /repos/{owner}/{repo}/commits/{ref}`
 * (`repos.getCommit`), which peels what it is given to a commit: `heads/<name>` for a branch, then
 * `tags/<name>` for a tag (an annotated tag's commit, not the tag object), then the name as an
 * abbreviated commit id — a branch wins over a tag of the same name, as in git. GitHub answers 422
 * or 404 for a ref it does not have; 401 and 403 (not a rate limit) say the token may not read
 * the repository; a rate limit or a 5xx is a `TransientError`.
 */
export class GitHubRefResolver implements RefResolver {
  constructor(private readonly options: GitHubRefResolverOptions) {}

  async resolve(pipeline: PipelineConfig, ref: string): Promise<SourcePush> {
    const parsed = parseRef(ref);
    const repo = repositoryOn(pipeline, 'github', 'GitHub');
    const found = await this.find(parsed, repo);
    if (!found) throw noSuchRef(ref, repo);
    const { data, ...named } = found;
    const web = new URL(data.html_url);
    return {
      provider: 'github',
      repo,
      ...refFields(named),
      commit: data.sha,
      message: data.commit.message.replace(/\n+$/, ''),
      author: data.commit.author?.name ?? data.author?.login ?? '',
      pushedAt: new Date(data.commit.committer?.date ?? data.commit.author?.date ?? Date.now()).toISOString(),
      url: data.html_url,
      cloneUrl: `${web.origin}/${repo}.git`,
    };
  }

  private async find(parsed: ParsedRef, repo: string): Promise<Found | undefined> {
    if (parsed.kind === 'commit') {
      const data = await this.commit(repo, parsed.sha);
      return data && { data, commit: data.sha };
    }
    if (parsed.only !== 'tag') {
      const data = await this.commit(repo, `heads/${parsed.name}`);
      if (data) return { data, branch: parsed.name };
    }
    if (parsed.only !== 'branch') {
      const data = await this.commit(repo, `tags/${parsed.name}`);
      if (data) return { data, tag: parsed.name };
    }
    if (parsed.abbreviated) {
      const data = await this.commit(repo, parsed.abbreviated);
      if (data?.sha.startsWith(parsed.abbreviated)) return { data, commit: data.sha };
    }
    return undefined;
  }

  /** The commit `ref` names, or `undefined` when GitHub has none (422 "No commit found", 404). */
  private async commit(repo: string, ref: string): Promise<CommitData | undefined> {
    const [owner, name] = repo.split('/') as [string, string];
    try {
      // One changed file at most: the answer lists them, and a manual run does not use them.
      const { data } = await this.options.octokit.rest.repos.getCommit({
        owner,
        repo: name,
        ref,
        per_page: 1,
      });
      return data;
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 404 || status === 422) return undefined;
      const message = `GitHub getCommit ${repo}@${ref} failed: ${(error as Error).message}`;
      const limited =
        status === 429 ||
        (status === 403 &&
          (error as { response?: { headers?: Record<string, string> } }).response?.headers?.[
            'x-ratelimit-remaining'
          ] === '0');
      if (limited || status === undefined || status >= 500)
        throw new TransientError(message, { cause: error });
      if (status === 401 || status === 403) {
        throw new ForbiddenError(`the GitHub token may not read ${repo} (${status})`, { cause: error });
      }
      throw error;
    }
  }
}
