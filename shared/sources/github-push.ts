import { CommitSha, type SourcePush } from '../../events/source-push.ts';
import * as z from '../../events/zod-mini.ts';
import { unionOfChangedPaths } from './changed-paths.ts';
import { describeRef, isZeroSha } from './git-ref.ts';
import {
  isoFrom,
  type NormalisedPush,
  optional,
  type PushContext,
  parsePayload,
  toSourcePush,
  usableUrl,
} from './normalised-push.ts';

/**
 * GitHub lists at most this many commits in a push webhook (the Events API timeline lists 20);
 * a push that lists this many may have had more.
 */
export const GITHUB_MAX_LISTED_COMMITS = 2048;

const GitUser = z.looseObject({
  name: z.string(),
  email: z.nullish(z.string()),
  username: z.optional(z.string()),
});

const GithubCommit = z.looseObject({
  id: CommitSha,
  message: z.string(),
  timestamp: z.optional(z.string()),
  url: z.optional(z.string()),
  author: GitUser,
  committer: z.optional(GitUser),
  added: z.array(z.string()),
  removed: z.array(z.string()),
  modified: z.array(z.string()),
});

/**
 * The fields of GitHub's `push` webhook that Pushline reads; everything else (installation,
 * organization, sender…) may be there or not. `repository.pushed_at` is a Unix time in seconds in
 * push payloads (an ISO string in other events), while commit timestamps are ISO strings.
 */
export const GithubPushPayload = z.looseObject({
  ref: z.string().check(z.startsWith('refs/')),
  before: CommitSha,
  after: CommitSha,
  created: z.optional(z.boolean()),
  deleted: z.optional(z.boolean()),
  forced: z.optional(z.boolean()),
  compare: z.nullish(z.string()),
  commits: z.array(GithubCommit),
  head_commit: z.nullish(GithubCommit),
  repository: z.looseObject({
    full_name: z.string().check(z.minLength(1)),
    clone_url: z.nullish(z.string()),
    pushed_at: z.nullish(z.union([z.number(), z.string()])),
  }),
  pusher: z.optional(z.looseObject({ name: z.string(), email: z.nullish(z.string()) })),
});
export type GithubPushPayload = z.output<typeof GithubPushPayload>;

/**
 * A GitHub `push` payload as a `SourcePush` — or `deleted` when the push deleted the ref (`after`
 * is forty zeros, `head_commit` null). Throws `ValidationError` naming the wrong field.
 *
 * `changedPaths` is the union of the listed commits' added/modified/removed files. It is left out,
 * with `pathsUnknownReason`, when the payload cannot prove it: a new ref pushed without new commits,
 * a list that may have been cut at GitHub's limit, or a forced push (the commits it dropped are
 * not listed, yet their changes are undone).
 */
export function normaliseGithubPush(body: unknown, context: PushContext): NormalisedPush {
  const payload = parsePayload(GithubPushPayload, body, 'push payload');
  const repo = payload.repository.full_name;
  if (payload.deleted || isZeroSha(payload.after)) {
    return { kind: 'deleted', provider: 'github', repo, ref: payload.ref };
  }
  const head = payload.head_commit ?? payload.commits.find((c) => c.id === payload.after);
  const paths = githubChangedPaths(payload);
  const candidate: SourcePush = {
    provider: 'github',
    repo,
    ref: payload.ref,
    ...describeRef(payload.ref),
    commit: payload.after,
    ...(isZeroSha(payload.before) ? {} : { previousCommit: payload.before }),
    message: head?.message ?? '',
    author: head?.author.name ?? payload.pusher?.name ?? '',
    pushedAt:
      isoFrom(payload.repository.pushed_at) ?? isoFrom(head?.timestamp) ?? context.receivedAt.toISOString(),
    ...optional('url', usableUrl(payload.compare) ?? usableUrl(head?.url)),
    ...optional('cloneUrl', payload.repository.clone_url ?? undefined),
    ...paths,
    ...(payload.forced ? { forced: true } : {}),
    ...optional('deliveryId', context.deliveryId),
  };
  return { kind: 'push', push: toSourcePush(candidate, 'push payload') };
}

function githubChangedPaths(
  payload: GithubPushPayload,
): { changedPaths: string[] } | { pathsUnknownReason: string } {
  const { commits } = payload;
  if (commits.length === 0) {
    const what = payload.ref.startsWith('refs/tags/') ? 'tag' : 'ref';
    return {
      pathsUnknownReason: payload.created
        ? `the push created ${what} ${payload.ref} without new commits, so GitHub lists no changed files`
        : 'the push lists no commits, so GitHub lists no changed files',
    };
  }
  if (commits.length >= GITHUB_MAX_LISTED_COMMITS) {
    return {
      pathsUnknownReason: `the push lists ${commits.length} commits, GitHub's limit, so the list may be truncated`,
    };
  }
  if (payload.forced) {
    return {
      pathsUnknownReason:
        'a forced push: the commits it dropped are not listed, so the files it changed are not known',
    };
  }
  return { changedPaths: unionOfChangedPaths(commits) };
}
