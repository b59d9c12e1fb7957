import { header, type WebhookRequest } from '../../shared/http/webhook.ts';
import { normaliseGitlabPush } from '../../shared/sources/gitlab-push.ts';
import { type GitHost, makePushReceiver, type PushReceiverDeps } from '../../shared/sources/push-receiver.ts';
import { SecretName } from '../../shared/sources/secret-names.ts';
import { verifyGitlabToken } from '../../shared/sources/verify-gitlab-token.ts';

export type ReceiveGitlabDeps = PushReceiverDeps;

/** The `X-Gitlab-Event` values that carry a push. */
const PUSH_EVENTS = new Set(['Push Hook', 'Tag Push Hook']);

/**
 * The delivery id is `X-Gitlab-Event-UUID` — one per push event, shared by every hook that event
 * fires — or, from GitLab versions without it, `Idempotency-Key` (stable across retries).
 */
function deliveryIdOf(request: WebhookRequest): string | undefined {
  return header(request, 'x-gitlab-event-uuid') ?? header(request, 'idempotency-key');
}

/** How GitLab delivers: `X-Gitlab-Token` (compared in constant time), `X-Gitlab-Event`. */
export const GITLAB: GitHost = {
  provider: 'gitlab',
  secretName: SecretName.GitLabWebhook,
  secretKind: 'token',
  verify: (token, request) => verifyGitlabToken(token, header(request, 'x-gitlab-token')),
  deliveryId: deliveryIdOf,
  missingDeliveryId: 'missing X-Gitlab-Event-UUID (or Idempotency-Key) header',
  event: (request) => header(request, 'x-gitlab-event'),
  missingEvent: 'missing X-Gitlab-Event header',
  isPush: (event) => PUSH_EVENTS.has(event),
  normalise: normaliseGitlabPush,
};

/**
 * The GitLab webhook receiver (`POST /webhooks/gitlab`), with the same outcomes as GitHub's:
 * `Push Hook` and `Tag Push Hook` start runs once per delivery; other events are ignored with the
 * reason (see `makePushReceiver`).
 */
export function makeReceiveGitlab(deps: ReceiveGitlabDeps) {
  return makePushReceiver(GITLAB, deps);
}
