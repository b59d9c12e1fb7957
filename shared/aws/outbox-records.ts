import { parsePipelineEvent } from '../../events/parse.ts';
import type { DetailType, PipelineEvent } from '../../events/pipeline-events.ts';
import { ItemKind } from './dynamo-items.ts';
import { type AttributeValue, unmarshallImage } from './stream-image.ts';

/** One record of a DynamoDB stream, as an EventBridge Pipe hands it to its enrichment. */
export interface StreamRecord {
  eventName?: 'INSERT' | 'MODIFY' | 'REMOVE';
  dynamodb?: { NewImage?: Record<string, AttributeValue> };
}

/** What the pipe sends on to the bus: `DetailType` is read from `$.detailType`, the detail from `<$.detail>`. */
export interface BusEntry {
  detailType: DetailType;
  detail: PipelineEvent['detail'];
}

/**
 * The publish step of the outbox: the stream records of newly inserted, *applied* log entries,
 * turned back into pipeline events. The pipe's filter already drops everything else (snapshots,
 * notes, ignored entries, updates); this checks again, because publishing an ignored event would
 * announce a stage change that never happened. Each detail is parsed with its zod schema, so a
 * malformed entry fails here (and lands in the pipe's DLQ) rather than at every subscriber.
 */
export function busEntriesOf(records: readonly StreamRecord[]): BusEntry[] {
  const entries: BusEntry[] = [];
  for (const record of records) {
    const image = record.dynamodb?.NewImage;
    if (record.eventName !== 'INSERT' || !image) continue;
    const item = unmarshallImage(image);
    if (item.kind !== ItemKind.Log || item.disposition !== 'applied') continue;
    const event = parsePipelineEvent(item.detailType, item.detail);
    entries.push({ detailType: event.detailType, detail: event.detail });
  }
  return entries;
}

/**
 * The Pipe's filter on the stream, as an EventBridge event pattern: inserts of applied log entries.
 * serverless.yml puts it on the pipe; the tests run it through the same pattern matcher as the rules.
 */
export const OUTBOX_FILTER_PATTERN = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { kind: { S: [ItemKind.Log] }, disposition: { S: ['applied'] } } },
} as const;
