import * as z from 'zod';

/** A 40-hex-digit Git commit id (SHA-1), as GitHub, GitLab and CodeCommit send it. */
export const CommitSha = z.string().regex(/^[0-9a-f]{40}$/, 'must be a 40-character hexadecimal commit id');

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
  repo: z.string().min(1),
  /** The full ref, `refs/heads/main` or `refs/tags/v1.2.0`. */
  ref: z.string().startsWith('refs/'),
  branch: z.string().min(1).optional(),
  tag: z.string().min(1).optional(),
  commit: CommitSha,
  previousCommit: CommitSha.optional(),
  message: z.string(),
  author: z.string(),
  pushedAt: z.iso.datetime({ offset: true }),
  /** A link to the commit or the compare view on the Git host. */
  url: z.url().optional(),
  /** Where the local builder clones the commit from (GitHub `clone_url`, GitLab `git_http_url`, a local bare repo). */
  cloneUrl: z.string().optional(),
  changedPaths: z.array(z.string()).optional(),
  /** How many paths changed, when `changedPaths` lists only the first of them (events keep at most 500). */
  changedPathsTotal: z.number().int().min(0).optional(),
  pathsUnknownReason: z.string().optional(),
  forced: z.boolean().optional(),
  /** The webhook delivery (or AWS event) id that carried this push. */
  deliveryId: z.string().optional(),
});
export type SourcePush = z.infer<typeof SourcePush>;
