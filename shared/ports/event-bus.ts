import type { PipelineEvent } from '../../events/pipeline-events.ts';

/**
 * Publishes pipeline events to the handlers subscribed to their detail-type.
 *
 * Contract: delivery is at-least-once. Handlers must be idempotent by `eventId` (the run fold is).
 * `publish` may throw (`TransientError`); the caller (the outbox) then keeps the events to retry.
 * Only events that were appended to the store are ever published.
 */
export interface EventBus {
  publish(events: readonly PipelineEvent[]): Promise<void>;
}
