import type { WebhookResponse } from '../http/webhook.ts';
import type { PushOutcome } from './start-push-runs.ts';

/**
 * The HTTP answer to a push: 202 with the runs started (and the pipelines skipped, with reasons),
 * 200 with the original runs for a delivery seen before, 202 with the reason when nothing starts.
 */
export function pushOutcomeResponse(outcome: PushOutcome): WebhookResponse {
  switch (outcome.kind) {
    case 'started':
      return { statusCode: 202, body: { runs: outcome.runs, skipped: outcome.skipped } };
    case 'duplicate':
      return { statusCode: 200, body: { duplicate: true, runs: outcome.runs } };
    case 'ignored':
      return { statusCode: 202, body: { ignored: outcome.reason, skipped: outcome.skipped } };
  }
}
