import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookSignatureError } from '../domain/errors.ts';

/** Slack's advice: refuse a request whose timestamp is more than five minutes from now (a replay). */
export const SLACK_MAX_SKEW_SECONDS = 5 * 60;

/** What a request from Slack carries to prove where it comes from. */
export interface SlackSignedRequest {
  /** The raw body, exactly the bytes Slack signed (never a re-serialised parse). */
  body: Buffer;
  /** `X-Slack-Request-Timestamp`: Unix seconds. */
  timestamp: string | undefined;
  /** `X-Slack-Signature`: `v0=<hex HMAC-SHA256>`. */
  signature: string | undefined;
}

/**
 * Verifies a request from Slack as Slack documents it ("Verifying requests from Slack"), before
 * anything reads the body: the timestamp must be within five minutes of `now` (a request replayed
 * later is refused), and `X-Slack-Signature` must be `v0=` and the hex HMAC-SHA256, keyed with the
 * app's signing secret, of `v0:<timestamp>:<raw body>`. The comparison is constant-time. Throws
 * `WebhookSignatureError` (401); the error never carries the secret, the signature or the body.
 */
export function verifySlackSignature(secret: string, request: SlackSignedRequest, now: Date): void {
  const { timestamp, signature, body } = request;
  if (!timestamp) throw new WebhookSignatureError('missing X-Slack-Request-Timestamp header');
  if (!signature) throw new WebhookSignatureError('missing X-Slack-Signature header');
  if (!/^\d{1,12}$/.test(timestamp)) {
    throw new WebhookSignatureError('X-Slack-Request-Timestamp is not a Unix time in seconds');
  }
  const skew = Math.abs(now.getTime() / 1000 - Number(timestamp));
  if (skew > SLACK_MAX_SKEW_SECONDS) {
    throw new WebhookSignatureError(
      `X-Slack-Request-Timestamp is ${Math.round(skew)}s from now (more than ${SLACK_MAX_SKEW_SECONDS}s): refused as a possible replay`,
    );
  }
  if (!/^v0=[0-9a-f]{64}$/i.test(signature)) {
    throw new WebhookSignatureError('X-Slack-Signature is not of the form v0=<64 hex digits>');
  }
  const expected = slackSignature(secret, timestamp, body);
  // Equal lengths (checked above), so timingSafeEqual cannot throw and leaks nothing by timing.
  if (!timingSafeEqual(Buffer.from(expected, 'latin1'), Buffer.from(signature.toLowerCase(), 'latin1'))) {
    throw new WebhookSignatureError('X-Slack-Signature does not match the body');
  }
}

/** `v0=<hex>`: the signature Slack computes for `body` sent at `timestamp` (tests sign with it too). */
export function slackSignature(secret: string, timestamp: string, body: Buffer): string {
  const base = Buffer.concat([Buffer.from(`v0:${timestamp}:`, 'utf8'), body]);
  return `v0=${createHmac('sha256', secret).update(base).digest('hex')}`;
}
