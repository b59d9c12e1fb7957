import type { CodeCommitRepositoryStateChange } from '../../events/aws/codecommit.ts';
import { CommitSha, type SourcePush } from '../../events/source-push.ts';
import { ValidationError } from '../domain/errors.ts';
import { describeRef, isZeroSha } from './git-ref.ts';
import { optional, toSourcePush, usableUrl } from './normalised-push.ts';

/** What a CodeCommit reference change asks of Pushline before any AWS call is made. */
export type CodecommitPlan =
  | { kind: 'ignored'; reason: string }
  | {
      kind: 'push';
      repo: string;
      ref: string;
      commit: string;
      /** The commit the ref pointed to before; absent for a new ref. */
      previousCommit?: string;
      region: string;
    };

/** What `GetCommit` and `GetDifferences` told about the pushed commit. */
export interface CodecommitDetails {
  message: string;
  author?: string;
  paths: { changedPaths: string[] } | { pathsUnknownReason: string };
}

/**
 * Decides what a validated `CodeCommit Repository State Change` means: `referenceCreated` and
 * `referenceUpdated` are pushes; `referenceDeleted`, `unreferencedMergeCommitCreated` and anything
 * else start nothing. Throws `ValidationError` when a push lacks its ref or commit id.
 */
export function planCodecommitPush(event: CodeCommitRepositoryStateChange): CodecommitPlan {
  const { detail } = event;
  if (detail.event === 'referenceDeleted') {
    return {
      kind: 'ignored',
      reason: `${detail.referenceFullName ?? 'a ref'} was deleted; a deletion starts no run`,
    };
  }
  if (detail.event !== 'referenceCreated' && detail.event !== 'referenceUpdated') {
    return { kind: 'ignored', reason: `CodeCommit event ${detail.event} is not handled` };
  }
  const ref = detail.referenceFullName;
  if (!ref?.startsWith('refs/')) {
    throw new ValidationError(`detail.referenceFullName: a ${detail.event} must name the ref (refs/…)`);
  }
  if (!CommitSha.safeParse(detail.commitId).success) {
    throw new ValidationError(`detail.commitId: a ${detail.event} must carry a 40-character commit id`);
  }
  const old = detail.oldCommitId;
  if (old !== undefined && !isZeroSha(old) && !CommitSha.safeParse(old).success) {
    throw new ValidationError('detail.oldCommitId: must be a 40-character commit id');
  }
  return {
    kind: 'push',
    repo: detail.repositoryName,
    ref,
    commit: detail.commitId!,
    ...(old && !isZeroSha(old) && detail.event === 'referenceUpdated' ? { previousCommit: old } : {}),
    region: event.region,
  };
}

/**
 * The push as a `SourcePush`: the event gives the repository, ref, commit and time; `GetCommit`
 * the message and author; `GetDifferences` the changed paths. Links point at the CodeCommit
 * console and the HTTPS clone URL of the region.
 */
export function codecommitSourcePush(
  plan: Extract<CodecommitPlan, { kind: 'push' }>,
  event: CodeCommitRepositoryStateChange,
  details: CodecommitDetails,
): SourcePush {
  const { repo, region, commit } = plan;
  const consoleUrl = `https://${region}.console.aws.amazon.com/codesuite/codecommit/repositories`;
  const callerName = event.detail.callerUserArn?.split('/').at(-1);
  const candidate: SourcePush = {
    provider: 'codecommit',
    repo,
    ref: plan.ref,
    ...describeRef(plan.ref),
    commit,
    ...optional('previousCommit', plan.previousCommit),
    message: details.message,
    author: details.author || callerName || '',
    pushedAt: new Date(event.time).toISOString(),
    ...optional(
      'url',
      usableUrl(`${consoleUrl}/${encodeURIComponent(repo)}/commit/${commit}?region=${region}`),
    ),
    cloneUrl: `https://git-codecommit.${region}.amazonaws.com/v1/repos/${repo}`,
    ...details.paths,
    deliveryId: event.id,
  };
  return toSourcePush(candidate, 'CodeCommit event');
}
