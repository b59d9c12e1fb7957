import {
  type CodeCommitClient,
  GetBranchCommand,
  GetCommitCommand,
  GetFolderCommand,
} from '@aws-sdk/client-codecommit';
import type { SourcePush } from '../../events/source-push.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { PipelineConfig } from '../domain/pipeline-config.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import {
  noSuchRef,
  type ParsedRef,
  parseRef,
  type RefResolver,
  refFields,
  repositoryOn,
} from '../ports/ref-resolver.ts';
import { asTransientAws } from './aws-errors.ts';

export interface CodeCommitRefResolverOptions {
  client: Pick<CodeCommitClient, 'send'>;
  /** The repositories' region, for the console link and the HTTPS clone URL. */
  region: string;
  /** When a commit carries no date CodeCommit can give, the run's push is dated now. */
  clock?: Clock;
}

/** What CodeCommit answers when the name is not there (or not a name it could hold). */
const MISSING = new Set([
  'BranchDoesNotExistException',
  'InvalidBranchNameException',
  'CommitDoesNotExistException',
  'CommitIdDoesNotExistException',
  'InvalidCommitException',
  'InvalidCommitIdException',
  'FolderDoesNotExistException',
]);

type Found = { sha: string } & ({ branch: string } | { tag: string } | { commit: string });

/**
 * AWS mode's `RefResolver` for pipelines on CodeCommit. A branch through `GetBranch`; a tag (the
 * API has no call for tags) and an abbreviated commit id through `GetFolder` of the repository's
 * root at that commit specifier, which answers the commit it resolved; then `GetCommit` for the
 * message, author and date. A branch wins over a tag of the same name, as in git. Throttling and
 * 5xx become `TransientError`; a missing repository or ref a `NotFoundError`.
 *
 * IAM: `codecommit:GetBranch`, `codecommit:GetFolder`, `codecommit:GetCommit` on the repositories.
 */
export class CodeCommitRefResolver implements RefResolver {
  constructor(private readonly options: CodeCommitRefResolverOptions) {}

  async resolve(pipeline: PipelineConfig, ref: string): Promise<SourcePush> {
    const parsed = parseRef(ref);
    const repo = repositoryOn(pipeline, 'codecommit', 'CodeCommit');
    const found = await this.find(parsed, repo);
    const commit =
      found &&
      (await this.call('GetCommit', repo, () =>
        this.options.client.send(new GetCommitCommand({ repositoryName: repo, commitId: found.sha })),
      ));
    if (!found || !commit?.commit) throw noSuchRef(ref, repo);
    const { sha, ...named } = found;
    const { region } = this.options;
    const consoleUrl = `https://${region}.console.aws.amazon.com/codesuite/codecommit/repositories`;
    return {
      provider: 'codecommit',
      repo,
      ...refFields(named),
      commit: commit.commit.commitId ?? sha,
      message: (commit.commit.message ?? '').replace(/\n+$/, ''),
      author: commit.commit.author?.name ?? commit.commit.committer?.name ?? '',
      pushedAt:
        gitDate(commit.commit.committer?.date ?? commit.commit.author?.date) ??
        (this.options.clock ?? systemClock).now().toISOString(),
      url: `${consoleUrl}/${encodeURIComponent(repo)}/commit/${sha}?region=${region}`,
      cloneUrl: `https://git-codecommit.${region}.amazonaws.com/v1/repos/${repo}`,
    };
  }

  private async find(parsed: ParsedRef, repo: string): Promise<Found | undefined> {
    if (parsed.kind === 'commit') return { sha: parsed.sha, commit: parsed.sha };
    const { client } = this.options;
    if (parsed.only !== 'tag') {
      const answer = await this.call('GetBranch', repo, () =>
        client.send(new GetBranchCommand({ repositoryName: repo, branchName: parsed.name })),
      );
      if (answer?.branch?.commitId) return { sha: answer.branch.commitId, branch: parsed.name };
    }
    if (parsed.only !== 'branch') {
      const sha = await this.commitAt(repo, `refs/tags/${parsed.name}`);
      if (sha) return { sha, tag: parsed.name };
    }
    if (parsed.abbreviated) {
      const sha = await this.commitAt(repo, parsed.abbreviated);
      if (sha?.startsWith(parsed.abbreviated)) return { sha, commit: sha };
    }
    return undefined;
  }

  /** The commit a specifier names (a tag ref, a commit id), from `GetFolder` of the root. */
  private async commitAt(repo: string, specifier: string): Promise<string | undefined> {
    const answer = await this.call('GetFolder', repo, () =>
      this.options.client.send(
        new GetFolderCommand({ repositoryName: repo, commitSpecifier: specifier, folderPath: '/' }),
      ),
    );
    return answer?.commitId;
  }

  /** An AWS call: `undefined` when what it asked for is not there, otherwise its answer or a mapped error. */
  private async call<T>(operation: string, repo: string, send: () => Promise<T>): Promise<T | undefined> {
    try {
      return await send();
    } catch (error) {
      const name = (error as Error).name;
      if (MISSING.has(name)) return undefined;
      if (name === 'RepositoryDoesNotExistException') {
        throw new NotFoundError(`CodeCommit repository ${repo} does not exist`, { cause: error });
      }
      throw asTransientAws(error, `CodeCommit ${operation}`);
    }
  }
}

/** Git's `<seconds> <offset>` date as CodeCommit gives it (`1484167798 -0800`), as an ISO time. */
function gitDate(date: string | undefined): string | undefined {
  if (!date) return undefined;
  const seconds = /^(\d+)(\s|$)/.exec(date)?.[1];
  const parsed = seconds ? new Date(Number(seconds) * 1000) : new Date(date);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed.toISOString();
}
