/** The all-zero object id Git hosts send as `before` for a new ref and as `after` for a deleted one. */
export const ZERO_SHA = '0000000000000000000000000000000000000000';

export function isZeroSha(sha: string | null | undefined): boolean {
  return typeof sha === 'string' && /^0{40}$/.test(sha);
}

/** `refs/heads/main` → `{ branch: 'main' }`, `refs/tags/v1` → `{ tag: 'v1' }`, anything else → `{}`. */
export function describeRef(ref: string): { branch?: string; tag?: string } {
  if (ref.startsWith('refs/heads/') && ref.length > 'refs/heads/'.length) {
    return { branch: ref.slice('refs/heads/'.length) };
  }
  if (ref.startsWith('refs/tags/') && ref.length > 'refs/tags/'.length) {
    return { tag: ref.slice('refs/tags/'.length) };
  }
  return {};
}
