import type { PipelineEvent } from '../../events/pipeline-events.ts';
import type { PipelineConfig } from '../domain/pipeline-config.ts';
import type { Run } from '../domain/run.ts';

/**
 * Announces a stage change (Slack, Git host commit statuses, the console).
 *
 * Contract: called with the run's *current* state read from the store (never an older one) and
 * the event that changed it. Idempotent by `event.detail.eventId`. May throw `TransientError`;
 * the notify handler retries with backoff and then records a `notification failed` note on the
 * run — a notification never fails a run.
 */
export interface Notifier {
  readonly name: string;
  notify(input: { run: Run; event: PipelineEvent; pipeline?: PipelineConfig }): Promise<void>;
}
