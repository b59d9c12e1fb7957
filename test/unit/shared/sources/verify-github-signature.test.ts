import { describe, expect, it } from '@jest/globals';
import { sign } from '@octokit/webhooks-methods';
import { WebhookSignatureError } from '../../../../shared/domain/errors.ts';
import { verifyGithubSignature } from '../../../../shared/sources/verify-github-signature.ts';

const secret = "It's a Secret to Everybody";
const body = Buffer.from('Hello, World!');

describe('verifyGithubSignature', () => {
  it("accepts the example from GitHub's documentation", async () => {
    const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

    await expect(verifyGithubSignature(secret, body, signature)).resolves.toBeUndefined();
  });

  it('accepts a signature written in upper-case hex', async () => {
    const signature = (await sign(secret, body.toString())).toUpperCase().replace('SHA256=', 'sha256=');

    await expect(verifyGithubSignature(secret, body, signature)).resolves.toBeUndefined();
  });

  it.each([
    ['missing', undefined, 'missing X-Hub-Signature-256'],
    ['malformed', 'sha1=abc', 'not of the form'],
    [
      'for another body',
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18',
      'does not match',
    ],
  ])('refuses a signature that is %s', async (_, signature, message) => {
    await expect(verifyGithubSignature(secret, body, signature)).rejects.toThrow(WebhookSignatureError);
    await expect(verifyGithubSignature(secret, body, signature)).rejects.toThrow(message);
  });

  it('refuses an empty body instead of throwing a TypeError', async () => {
    const signature = await sign(secret, 'x');

    await expect(verifyGithubSignature(secret, Buffer.alloc(0), signature)).rejects.toThrow(
      WebhookSignatureError,
    );
  });

  it('never puts the secret in its error', async () => {
    const error = await verifyGithubSignature(secret, body, `sha256=${'0'.repeat(64)}`).catch(
      (e: Error) => e,
    );

    expect(JSON.stringify({ message: (error as Error).message, ...(error as object) })).not.toContain(secret);
  });
});
