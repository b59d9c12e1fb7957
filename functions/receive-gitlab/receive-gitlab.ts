import { MissingSecretError, PayloadTooLargeError, ValidationError } from '../../shared/domain/errors.ts';
import type { PushlineFile } from '../../shared/domain/pipeline-config.ts';
import { guardWebhook } from '../../shared/http/guard-webhook.ts';
import {
  DEFAULT_MAX_BODY_BYTES,
  header,
  silentLogger,
  type WebhookHandler,
  type WebhookLogger,
  type WebhookRequest,
  type WebhookResponse,
} from '../../shared/http/webhook.ts';
import type { Clock } from '../../shared/ports/clock.ts';
import type { RunStore } from '../../shared/ports/run-store.ts';
import type { SecretSource } from '../../shared/ports/secret-source.ts';
import { normaliseGitlabPush } from '../../shared/sources/gitlab-push.ts';
import { parseJsonBody } from '../../shared/sources/parse-json-body.ts';
import { pushOutcomeResponse } from '../../shared/sources/push-outcome-response.ts';
import { SecretName } from '../../shared/sources/secret-names.ts';
import { startPushRuns } from '../../shared/sources/start-push-runs.ts';
import { verifyGitlabToken } from '../../shared/sources/verify-gitlab-token.ts';

export interface ReceiveGitlabDeps {
  store: RunStore;
  /** The pipeline file in force now. */
  file: () => PushlineFile;
  secrets: SecretSource;
  clock: Clock;
  maxBodyBytes?: number;
  logger?: WebhookLogger;
  /** The name asked of `secrets`; `gitlab-webhook-token` unless the deployment names another. */
  secretName?: string;
}

/** The `X-Gitlab-Event` values that carry a push. */
const PUSH_EVENTS = new Set(['Push Hook', 'Tag Push Hook']);

/**
 * The GitLab webhook receiver (`POST /webhooks/gitlab`), with the same outcomes as GitHub's: size
 * limit (413) → `X-Gitlab-Token` compared in constant time with the configured token (401, body
 * unread) → a delivery id (400) → JSON (400) → `Push Hook` / `Tag Push Hook` normalised (400
 * naming the bad field), deletions ignored (202), runs started once per delivery (202; 200 with
 * the original runs when repeated) → other events 202 with the reason.
 *
 * The delivery id is `X-Gitlab-Event-UUID` — one per push event, shared by every hook that event
 * fires — or, from GitLab versions without it, `Idempotency-Key` (stable across retries).
 */
export function makeReceiveGitlab(deps: ReceiveGitlabDeps): WebhookHandler {
  const logger = deps.logger ?? silentLogger;
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const secretName = deps.secretName ?? SecretName.GitLabWebhook;

  async function receive(request: WebhookRequest): Promise<WebhookResponse> {
    if (request.body.length > maxBodyBytes) {
      throw new PayloadTooLargeError(`body is ${request.body.length} bytes; the limit is ${maxBodyBytes}`);
    }
    const token = await deps.secrets.get(secretName);
    if (!token) throw new MissingSecretError(`the webhook token "${secretName}" is not configured`);
    verifyGitlabToken(token, header(request, 'x-gitlab-token'));

    const deliveryId = deliveryIdOf(request);
    if (!deliveryId) throw new ValidationError('missing X-Gitlab-Event-UUID (or Idempotency-Key) header');
    const event = header(request, 'x-gitlab-event');
    if (!event) throw new ValidationError('missing X-Gitlab-Event header');
    const body = parseJsonBody(request.body);
    if (!PUSH_EVENTS.has(event)) {
      return { statusCode: 202, body: { ignored: `event ${event} is not handled` } };
    }

    const normalised = normaliseGitlabPush(body, { deliveryId, receivedAt: deps.clock.now() });
    if (normalised.kind === 'deleted') {
      return {
        statusCode: 202,
        body: { ignored: `${normalised.ref} was deleted; a deletion starts no run` },
      };
    }
    const outcome = await startPushRuns(
      deps,
      { id: deliveryId, provider: 'gitlab' },
      deps.file(),
      normalised.push,
    );
    logger.info('push received', {
      deliveryId,
      repo: normalised.push.repo,
      ref: normalised.push.ref,
      commit: normalised.push.commit,
      outcome: outcome.kind,
      runs: 'runs' in outcome ? outcome.runs.map((r) => r.runId) : [],
    });
    return pushOutcomeResponse(outcome);
  }

  return guardWebhook(receive, {
    name: 'gitlab',
    logger,
    describe: (request) => ({ deliveryId: deliveryIdOf(request), event: header(request, 'x-gitlab-event') }),
  });
}

function deliveryIdOf(request: WebhookRequest): string | undefined {
  return header(request, 'x-gitlab-event-uuid') ?? header(request, 'idempotency-key');
}
