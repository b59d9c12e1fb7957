import { MissingSecretError, PayloadTooLargeError, ValidationError } from '../domain/errors.ts';
import type { PushlineFile } from '../domain/pipeline-config.ts';
import { guardWebhook } from '../http/guard-webhook.ts';
import {
  PUSH_WEBHOOK_MAX_BODY_BYTES,
  silentLogger,
  type WebhookHandler,
  type WebhookLogger,
  type WebhookRequest,
  type WebhookResponse,
} from '../http/webhook.ts';
import type { Clock } from '../ports/clock.ts';
import type { RunStore } from '../ports/run-store.ts';
import type { SecretSource } from '../ports/secret-source.ts';
import type { NormalisedPush, PushContext } from './normalised-push.ts';
import { parseJsonBody } from './parse-json-body.ts';
import { pushOutcomeResponse } from './push-outcome-response.ts';
import { startPushRuns } from './start-push-runs.ts';

const HOST_LABEL = { github: 'GitHub', gitlab: 'GitLab' } as const;

/** What every webhook receiver needs, whichever Git host sends it. */
/** The longest delivery id accepted (a UUID has 36 characters). */
export const MAX_DELIVERY_ID = 200;

export interface PushReceiverDeps {
  store: RunStore;
  /** The pipeline file in force now (re-read per request, so a reload takes effect at once). */
  file: () => PushlineFile;
  secrets: SecretSource;
  clock: Clock;
  maxBodyBytes?: number;
  logger?: WebhookLogger;
  /** The name asked of `secrets`, unless the deployment names another. */
  secretName?: string;
}

/** What differs between Git hosts: how a delivery proves where it comes from, and how it reads. */
export interface GitHost {
  provider: 'github' | 'gitlab';
  /** The secret asked of the `SecretSource` by default, and what to call it in an error. */
  secretName: string;
  secretKind: 'secret' | 'token';
  /** Throws `WebhookSignatureError` unless the request carries the right signature or token. */
  verify(secret: string, request: WebhookRequest): Promise<void> | void;
  deliveryId(request: WebhookRequest): string | undefined;
  missingDeliveryId: string;
  event(request: WebhookRequest): string | undefined;
  missingEvent: string;
  /** A check of the request before its body is parsed (a form-encoded GitHub body, say). */
  refuse?(request: WebhookRequest): string | undefined;
  /** The answer to an event that is not a push (a `ping`), or undefined to ignore it with a reason. */
  answer?(event: string): WebhookResponse | undefined;
  isPush(event: string): boolean;
  normalise(body: unknown, context: PushContext): NormalisedPush;
}

/**
 * A webhook receiver, free of any HTTP framework. In order: size limit (413) → signature or token
 * over the raw bytes (401; the body is not parsed and nothing is stored) → delivery id and event
 * (400) → JSON (400) → a push: normalise (400 naming the bad field), a deleted ref (202 ignored),
 * match the pipelines and start one run each through `store.startRuns`, idempotent by delivery id
 * (202 with the runs; 200 with the original runs for a repeated delivery; 202 with the reason when
 * nothing matches) → any other event: 202 with the reason. It never throws and never publishes:
 * the store is the outbox.
 */
export function makePushReceiver(host: GitHost, deps: PushReceiverDeps): WebhookHandler {
  const logger = deps.logger ?? silentLogger;
  const maxBodyBytes = deps.maxBodyBytes ?? PUSH_WEBHOOK_MAX_BODY_BYTES;
  const secretName = deps.secretName ?? host.secretName;

  async function receive(request: WebhookRequest): Promise<WebhookResponse> {
    if (request.body.length > maxBodyBytes) {
      throw new PayloadTooLargeError(`body is ${request.body.length} bytes; the limit is ${maxBodyBytes}`);
    }
    const secret = await deps.secrets.get(secretName);
    if (!secret) {
      // Say what to set, where the operator sets it: an env variable locally, an SSM parameter on AWS.
      const where = deps.secrets.whereToSet?.(secretName) ?? `the secret "${secretName}"`;
      throw new MissingSecretError(
        `the ${HOST_LABEL[host.provider]} webhook ${host.secretKind} is not configured: set ${where}`,
        { secret: secretName },
      );
    }
    await host.verify(secret, request);

    const deliveryId = host.deliveryId(request);
    if (!deliveryId) throw new ValidationError(host.missingDeliveryId);
    // GitHub's and GitLab's are UUIDs; an id that long or odd is not theirs (DynamoDB keys are
    // at most 2 KB: it would fail as a store error instead of bad input).
    if (deliveryId.length > MAX_DELIVERY_ID || !/^[\x21-\x7e]+$/.test(deliveryId)) {
      throw new ValidationError(
        `the delivery id header must be at most ${MAX_DELIVERY_ID} visible ASCII characters (it has ${deliveryId.length})`,
      );
    }
    const event = host.event(request);
    if (!event) throw new ValidationError(host.missingEvent);
    const refusal = host.refuse?.(request);
    if (refusal) throw new ValidationError(refusal);
    const body = parseJsonBody(request.body);

    if (!host.isPush(event)) {
      return host.answer?.(event) ?? { statusCode: 202, body: { ignored: `event ${event} is not handled` } };
    }
    const normalised = host.normalise(body, { deliveryId, receivedAt: deps.clock.now() });
    if (normalised.kind === 'deleted') {
      return {
        statusCode: 202,
        body: { ignored: `${normalised.ref} was deleted; a deletion starts no run` },
      };
    }
    const delivery = { id: deliveryId, provider: host.provider };
    const outcome = await startPushRuns(deps, delivery, deps.file(), normalised.push);
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
    name: host.provider,
    logger,
    describe: (request) => ({ deliveryId: host.deliveryId(request), event: host.event(request) }),
  });
}
