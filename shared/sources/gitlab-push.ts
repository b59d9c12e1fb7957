import { CommitSha, type SourcePush } from '../../events/source-push.ts';
import * as z from '../../events/zod-mini.ts';
import { unionOfChangedPaths } from './changed-paths.ts';
import { describeRef, isZeroSha } from './git-ref.ts';
import {
  type NormalisedPush,
  optional,
  type PushContext,
  parsePayload,
  toSourcePush,
  usableUrl,
} from './normalised-push.ts';

/** GitLab lists only the newest 20 commits of a push; `total_commits_count` has the real number. */
export const GITLAB_MAX_LISTED_COMMITS = 20;

const GitlabCommit = z.looseObject({
  id: CommitSha,
  message: z.string(),
  timestamp: z.optional(z.string()),
  url: z.optional(z.string()),
  author: z.looseObject({ name: z.string(), email: z.nullish(z.string()) }),
  added: z.nullish(z.array(z.string())),
  modified: z.nullish(z.array(z.string())),
  removed: z.nullish(z.array(z.string())),
});

/**
 * The fields of GitLab's `Push Hook` and `Tag Push Hook` that Pushline reads. `after` of an
 * annotated tag is the tag object; `checkout_sha` is the commit (null when the ref was deleted).
 */
export const GitlabPushPayload = z.looseObject({
  object_kind: z.enum(['push', 'tag_push']),
  ref: z.string().check(z.startsWith('refs/')),
  before: CommitSha,
  after: CommitSha,
  checkout_sha: z.nullish(CommitSha),
  message: z.nullish(z.string()),
  user_name: z.nullish(z.string()),
  user_username: z.nullish(z.string()),
  project: z.looseObject({
    path_with_namespace: z.string().check(z.minLength(1)),
    web_url: z.nullish(z.string()),
    git_http_url: z.nullish(z.string()),
  }),
  commits: z._default(z.array(GitlabCommit), []),
  total_commits_count: z.optional(z.int().check(z.minimum(0))),
});
export type GitlabPushPayload = z.output<typeof GitlabPushPayload>;

/**
 * A GitLab push or tag push payload as a `SourcePush`, or `deleted` when the ref was deleted.
 * GitLab sends no push time, so `pushedAt` is when the request arrived. Throws `ValidationError`
 * naming the wrong field.
 *
 * `changedPaths` is left out, with `pathsUnknownReason`, for tag pushes and new branches without
 * new commits (no commits listed) and when GitLab listed only the newest 20 of more commits.
 */
export function normaliseGitlabPush(body: unknown, context: PushContext): NormalisedPush {
  const payload = parsePayload(GitlabPushPayload, body, 'push payload');
  const repo = payload.project.path_with_namespace;
  const commit = payload.checkout_sha ?? payload.after;
  if (isZeroSha(payload.after) || isZeroSha(commit)) {
    return { kind: 'deleted', provider: 'gitlab', repo, ref: payload.ref };
  }
  const head = payload.commits.find((c) => c.id === commit) ?? payload.commits.at(-1);
  const webUrl = payload.project.web_url?.replace(/\/+$/, '');
  const before = isZeroSha(payload.before) ? undefined : payload.before;
  const link = webUrl
    ? before
      ? `${webUrl}/-/compare/${before}...${commit}`
      : `${webUrl}/-/commit/${commit}`
    : undefined;
  const candidate: SourcePush = {
    provider: 'gitlab',
    repo,
    ref: payload.ref,
    ...describeRef(payload.ref),
    commit,
    ...optional('previousCommit', before),
    message: head?.message ?? payload.message ?? '',
    author: head?.author.name ?? payload.user_name ?? payload.user_username ?? '',
    pushedAt: context.receivedAt.toISOString(),
    ...optional('url', usableUrl(link) ?? usableUrl(head?.url)),
    ...optional('cloneUrl', payload.project.git_http_url ?? undefined),
    ...gitlabChangedPaths(payload),
    ...optional('deliveryId', context.deliveryId),
  };
  return { kind: 'push', push: toSourcePush(candidate, 'push payload') };
}

function gitlabChangedPaths(
  payload: GitlabPushPayload,
): { changedPaths: string[] } | { pathsUnknownReason: string } {
  const { commits } = payload;
  const total = payload.total_commits_count ?? commits.length;
  if (payload.object_kind === 'tag_push') {
    return { pathsUnknownReason: 'a tag push lists no commits, so GitLab lists no changed files' };
  }
  if (commits.length === 0) {
    return {
      pathsUnknownReason: `the push to ${payload.ref} lists no new commits, so GitLab lists no changed files`,
    };
  }
  if (total > commits.length) {
    return {
      pathsUnknownReason: `GitLab lists only the newest ${commits.length} of the push's ${total} commits`,
    };
  }
  return { changedPaths: unionOfChangedPaths(commits) };
}
