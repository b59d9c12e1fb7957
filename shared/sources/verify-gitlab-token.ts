import { createHash, timingSafeEqual } from 'node:crypto';
import { WebhookSignatureError } from '../domain/errors.ts';

/**
 * Checks GitLab's `X-Gitlab-Token` against the configured secret token. Both are hashed first so
 * the constant-time comparison runs on equal-length digests and leaks neither the token's content
 * nor its length. Throws `WebhookSignatureError` when the header is missing or wrong.
 */
export function verifyGitlabToken(expected: string, token: string | undefined): void {
  if (!token) throw new WebhookSignatureError('missing X-Gitlab-Token header');
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  if (!timingSafeEqual(digest(expected), digest(token))) {
    throw new WebhookSignatureError('X-Gitlab-Token does not match');
  }
}
