import * as z from './zod-mini.ts';

/** A 40-hex-digit Git commit id (SHA-1), as GitHub, GitLab and CodeCommit send it. */
export const CommitSha = z
  .string()
  .check(z.regex(/^[0-9a-f]{40}$/, 'must be a 40-character hexadecimal commit id'));

export const GitProvider = { GitHub: 'github', GitLab: 'gitlab', CodeCommit: 'codecommit' } as const;
export type GitProvider = (typeof GitProvider)[keyof typeof GitProvider];

/**
 * One push, normalised from whichever Git host sent it. Every pipeline event carries it, so a
 * handler never has to look the push up again.
 *
 * `changedPaths` is absent when the push cannot prove which paths changed (a new branch lists no
 * commits; GitHub cuts very large pushes short); `pathsUnknownReason` then says why.
 */
export const SourcePush = z.object({
  provider: z.enum(['github', 'gitlab', 'codecommit']),
  /** `owner/repo` for GitHub, `group/project` for GitLab, the repository name for CodeCommit. */
  repo: z.string().check(z.minLength(1)),
  /** The full ref, `refs/heads/main` or `refs/tags/v1.2.0`. */
  ref: z.string().check(z.startsWith('refs/')),
  branch: z.optional(z.string().check(z.minLength(1))),
  tag: z.optional(z.string().check(z.minLength(1))),
  commit: CommitSha,
  previousCommit: z.optional(CommitSha),
  message: z.string(),
  author: z.string(),
  pushedAt: z.iso.datetime({ offset: true }),
  /** A link to the commit or the compare view on the Git host. */
  url: z.optional(z.url()),
  /** Where the local builder clones the commit from (GitHub `clone_url`, GitLab `git_http_url`, a local bare repo). */
  cloneUrl: z.optional(z.string()),
  changedPaths: z.optional(z.array(z.string())),
  /** How many paths changed, when `changedPaths` lists only the first of them (events keep at most 500). */
  changedPathsTotal: z.optional(z.int().check(z.minimum(0))),
  pathsUnknownReason: z.optional(z.string()),
  forced: z.optional(z.boolean()),
  /** The webhook delivery (or AWS event) id that carried this push. */
  deliveryId: z.optional(z.string()),
});
export type SourcePush = z.infer<typeof SourcePush>;
