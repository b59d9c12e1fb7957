import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, type PipelineEvent } from '../../events/pipeline-events.ts';
import { TransientError } from '../domain/errors.ts';
import type { EventBus } from '../ports/event-bus.ts';
import { asTransientAws } from './aws-errors.ts';

/** PutEvents takes at most 10 entries per call. */
const BATCH = 10;

/**
 * `EventBus` on an EventBridge bus: `PutEvents` with source `pushline`, the detail-type, and the
 * detail as JSON. In the deployed stack the outbox pipe publishes appended events; this adapter is
 * for tools that republish (a redrive, a replay of a run's log). Entries EventBridge refuses
 * (`FailedEntryCount`) make `publish` throw `TransientError` naming them, after the accepted ones
 * went out: delivery is at-least-once and subscribers are idempotent by `eventId`.
 */
export class EventBridgeBus implements EventBus {
  private readonly client: EventBridgeClient;
  private readonly busName: string;

  constructor({ client, busName }: { client: EventBridgeClient; busName: string }) {
    this.client = client;
    this.busName = busName;
  }

  async publish(events: readonly PipelineEvent[]): Promise<void> {
    const failed: string[] = [];
    for (let i = 0; i < events.length; i += BATCH) {
      const batch = events.slice(i, i + BATCH);
      const Entries: PutEventsRequestEntry[] = batch.map((event) => ({
        EventBusName: this.busName,
        Source: EVENT_SOURCE,
        DetailType: event.detailType,
        Detail: JSON.stringify(event.detail),
        Time: new Date(event.detail.at),
      }));
      let result: PutEventsCommandOutput;
      try {
        result = await this.client.send(new PutEventsCommand({ Entries }));
      } catch (error) {
        throw asTransientAws(error, 'EventBridge PutEvents');
      }
      (result.Entries ?? []).forEach((entry, index) => {
        if (entry.ErrorCode) failed.push(`${batch[index]!.detail.eventId} (${entry.ErrorCode})`);
      });
    }
    if (failed.length > 0) {
      throw new TransientError(`EventBridge refused ${failed.length} event(s): ${failed.join(', ')}`, {
        failed,
      });
    }
  }
}
