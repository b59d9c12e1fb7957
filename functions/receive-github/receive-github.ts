import { header } from '../../shared/http/webhook.ts';
import { normaliseGithubPush } from '../../shared/sources/github-push.ts';
import { type GitHost, makePushReceiver, type PushReceiverDeps } from '../../shared/sources/push-receiver.ts';
import { SecretName } from '../../shared/sources/secret-names.ts';
import { verifyGithubSignature } from '../../shared/sources/verify-github-signature.ts';

export type ReceiveGithubDeps = PushReceiverDeps;

/** How GitHub delivers: `X-Hub-Signature-256` (HMAC of the raw body), `X-GitHub-Delivery`, `X-GitHub-Event`. */
export const GITHUB: GitHost = {
  provider: 'github',
  secretName: SecretName.GitHubWebhook,
  secretKind: 'secret',
  verify: (secret, request) =>
    verifyGithubSignature(secret, request.body, header(request, 'x-hub-signature-256')),
  deliveryId: (request) => header(request, 'x-github-delivery'),
  missingDeliveryId: 'missing X-GitHub-Delivery header',
  event: (request) => header(request, 'x-github-event'),
  missingEvent: 'missing X-GitHub-Event header',
  refuse: (request) =>
    header(request, 'content-type')?.toLowerCase().startsWith('application/x-www-form-urlencoded')
      ? "body is form-encoded; set the webhook's content type to application/json"
      : undefined,
  answer: (event) => (event === 'ping' ? { statusCode: 200, body: { ok: true, event: 'ping' } } : undefined),
  isPush: (event) => event === 'push',
  normalise: normaliseGithubPush,
};

/**
 * The GitHub webhook receiver (`POST /webhooks/github`): `ping` answers 200, `push` starts the runs
 * of the pipelines it matches, once per delivery; every other outcome is `makePushReceiver`'s.
 */
export function makeReceiveGithub(deps: ReceiveGithubDeps) {
  return makePushReceiver(GITHUB, deps);
}
