import { describe, expect, it } from '@jest/globals';
import { WebhookSignatureError } from '../../../../shared/domain/errors.ts';
import { verifyGitlabToken } from '../../../../shared/sources/verify-gitlab-token.ts';

describe('verifyGitlabToken', () => {
  it('accepts the configured token', () => {
    expect(() => verifyGitlabToken('s3cret-token', 's3cret-token')).not.toThrow();
  });

  it.each([
    ['missing', undefined, 'missing X-Gitlab-Token'],
    ['wrong', 's3cret-tokeN', 'does not match'],
    ['a prefix of the token', 's3cret', 'does not match'],
    ['longer than the token', 's3cret-token-and-more', 'does not match'],
  ])('refuses a token that is %s', (_, token, message) => {
    expect(() => verifyGitlabToken('s3cret-token', token)).toThrow(WebhookSignatureError);
    expect(() => verifyGitlabToken('s3cret-token', token)).toThrow(message);
  });
});
