import { verify } from '@octokit/webhooks-methods';
import { WebhookSignatureError } from '../domain/errors.ts';

/**
 * Verifies GitHub's `X-Hub-Signature-256` (`sha256=<hex HMAC of the body>`) before anything reads
 * the body. The comparison is constant-time (`@octokit/webhooks-methods` `verify`). Throws
 * `WebhookSignatureError` when the header is missing or does not match; the error never carries
 * the secret, the header or the body.
 */
export async function verifyGithubSignature(
  secret: string,
  body: Buffer,
  signature: string | undefined,
): Promise<void> {
  if (!signature) throw new WebhookSignatureError('missing X-Hub-Signature-256 header');
  if (!/^sha256=[0-9a-f]{64}$/i.test(signature)) {
    throw new WebhookSignatureError('X-Hub-Signature-256 is not of the form sha256=<64 hex digits>');
  }
  // `verify` takes the payload as a string and refuses an empty one; GitHub never signs an empty body.
  if (body.length === 0) throw new WebhookSignatureError('signature does not match the (empty) body');
  const ok = await verify(secret, body.toString('utf8'), signature.toLowerCase());
  if (!ok) throw new WebhookSignatureError('signature does not match the body');
}
