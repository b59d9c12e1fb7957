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
import { normaliseGithubPush } from '../../shared/sources/github-push.ts';
import { parseJsonBody } from '../../shared/sources/parse-json-body.ts';
import { pushOutcomeResponse } from '../../shared/sources/push-outcome-response.ts';
import { SecretName } from '../../shared/sources/secret-names.ts';
import { startPushRuns } from '../../shared/sources/start-push-runs.ts';
import { verifyGithubSignature } from '../../shared/sources/verify-github-signature.ts';

export interface ReceiveGithubDeps {
  store: RunStore;
  /** The pipeline file in force now (re-read per request, so a reload takes effect at once). */
  file: () => PushlineFile;
  secrets: SecretSource;
  clock: Clock;
  maxBodyBytes?: number;
  logger?: WebhookLogger;
  /** The name asked of `secrets`; `github-webhook-secret` unless the deployment names another. */
  secretName?: string;
}

/**
 * The GitHub webhook receiver (`POST /webhooks/github`), free of any HTTP framework. In order:
 * size limit (413) → `X-Hub-Signature-256` over the raw bytes (401; the body is not parsed and
 * nothing is stored) → `X-GitHub-Delivery` (400) → JSON (400) → `ping` (200) → `push`: normalise
 * (400 naming the bad field), a deleted ref (202 ignored), match the pipelines and start one run
 * each through `store.startRuns`, idempotent by delivery id (202 with the runs; 200 with the
 * original runs for a repeated delivery; 202 with the reason when nothing matches). Any other
 * event: 202 with the reason. It never throws and never publishes: the store is the outbox.
 */
export function makeReceiveGithub(deps: ReceiveGithubDeps): WebhookHandler {
  const logger = deps.logger ?? silentLogger;
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const secretName = deps.secretName ?? SecretName.GitHubWebhook;

  async function receive(request: WebhookRequest): Promise<WebhookResponse> {
    if (request.body.length > maxBodyBytes) {
      throw new PayloadTooLargeError(`body is ${request.body.length} bytes; the limit is ${maxBodyBytes}`);
    }
    const secret = await deps.secrets.get(secretName);
    if (!secret) throw new MissingSecretError(`the webhook secret "${secretName}" is not configured`);
    await verifyGithubSignature(secret, request.body, header(request, 'x-hub-signature-256'));

    const deliveryId = header(request, 'x-github-delivery');
    if (!deliveryId) throw new ValidationError('missing X-GitHub-Delivery header');
    const event = header(request, 'x-github-event');
    if (!event) throw new ValidationError('missing X-GitHub-Event header');
    if (header(request, 'content-type')?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      throw new ValidationError("body is form-encoded; set the webhook's content type to application/json");
    }
    const body = parseJsonBody(request.body);

    if (event === 'ping') return { statusCode: 200, body: { ok: true, event: 'ping' } };
    if (event !== 'push') return { statusCode: 202, body: { ignored: `event ${event} is not handled` } };

    const normalised = normaliseGithubPush(body, { deliveryId, receivedAt: deps.clock.now() });
    if (normalised.kind === 'deleted') {
      return {
        statusCode: 202,
        body: { ignored: `${normalised.ref} was deleted; a deletion starts no run` },
      };
    }
    const outcome = await startPushRuns(
      deps,
      { id: deliveryId, provider: 'github' },
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
    name: 'github',
    logger,
    describe: (request) => ({
      deliveryId: header(request, 'x-github-delivery'),
      event: header(request, 'x-github-event'),
    }),
  });
}
