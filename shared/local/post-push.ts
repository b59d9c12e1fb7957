import { randomUUID } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';

/**
 * Posts a push payload to a Pushline server as GitHub does: JSON body, `X-GitHub-Event: push`,
 * a fresh `X-GitHub-Delivery` and the HMAC-SHA256 signature in `X-Hub-Signature-256`.
 */
export async function postGithubPush(options: {
  url: string;
  secret: string;
  payload: unknown;
  deliveryId?: string;
  timeoutMs?: number;
}): Promise<{ status: number; body: unknown; deliveryId: string }> {
  const body = JSON.stringify(options.payload);
  const deliveryId = options.deliveryId ?? randomUUID();
  const response = await fetch(new URL('/webhooks/github', options.url), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'pushline-hook',
      'x-github-event': 'push',
      'x-github-delivery': deliveryId,
      'x-hub-signature-256': await sign(options.secret, body),
    },
    body,
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // A non-JSON answer is reported as text.
  }
  return { status: response.status, body: parsed, deliveryId };
}
