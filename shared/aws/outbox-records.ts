import { parsePipelineEvent } from '../../events/parse.ts';
import type { DetailType, PipelineEvent } from '../../events/pipeline-events.ts';
import { ItemKind } from './dynamo-items.ts';
import { type AttributeValue, unmarshallImage } from './stream-image.ts';

/** One record of a DynamoDB stream, as an EventBridge Pipe hands it to its enrichment. */
export interface StreamRecord {
  /** The stream record's own id (not the pipeline event's). */
  eventID?: string;
  eventName?: 'INSERT' | 'MODIFY' | 'REMOVE';
  dynamodb?: {
    Keys?: Record<string, AttributeValue>;
    NewImage?: Record<string, AttributeValue>;
    SequenceNumber?: string;
  };
}

/**
 * What the pipe sends on to the bus: `DetailType` is read from `$.detailType`, `Time` from
 * `$.time` (the pipeline event's `at`, so the bus event says when it happened, not when it was
 * published), the detail from `<$.detail>`. `eventID` is the stream record's, carried through so
 * each entry can be traced back to the record it came from.
 */
export interface BusEntry {
  detailType: DetailType;
  detail: PipelineEvent['detail'];
  time: string;
  eventID?: string;
}

/** A record the outbox could not turn into an event: it is skipped, logged and counted, never retried. */
export interface SkippedRecord {
  pk?: string;
  sk?: string;
  eventID?: string;
  sequenceNumber?: string;
  reason: string;
}

/**
 * The custom metric counting skipped records, and its alarm in the template (serverless/resources.ts):
 * one definition for the code that emits it and the alarm that watches it.
 */
export const OUTBOX_SKIPPED_METRIC = {
  namespace: 'Pushline',
  name: 'OutboxRecordsSkipped',
  dimension: 'Stage',
} as const;

/**
 * The publish step of the outbox: the stream records of newly inserted, *applied* log entries,
 * turned back into pipeline events. The pipe's filter already drops everything else (snapshots,
 * notes, ignored entries, updates); this checks again, because publishing an ignored event would
 * announce a stage change that never happened.
 *
 * A record that does not parse (an image that is not DynamoDB JSON, a detail that no longer fits
 * its zod schema) is *skipped*, not thrown: the pipe cannot fail one record of an enrichment batch
 * (AWS: "partial batch failure handling of the enrichment is not supported"), so a throw would
 * hold back every good event of the batch until the retries run out — and the pipe's dead letter
 * holds only stream coordinates. A bad record is deterministic: retrying it cannot help.
 */
export function busEntriesOf(records: readonly StreamRecord[]): {
  entries: BusEntry[];
  skipped: SkippedRecord[];
} {
  const entries: BusEntry[] = [];
  const skipped: SkippedRecord[] = [];
  for (const record of records) {
    try {
      const entry = busEntryOf(record);
      if (entry) entries.push(entry);
    } catch (error) {
      skipped.push({
        ...coordinatesOf(record),
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return { entries, skipped };
}

function busEntryOf(record: StreamRecord): BusEntry | undefined {
  const image = record?.dynamodb?.NewImage;
  if (record?.eventName !== 'INSERT' || !image) return undefined;
  const item = unmarshallImage(image);
  if (item.kind !== ItemKind.Log || item.disposition !== 'applied') return undefined;
  const event = parsePipelineEvent(item.detailType, item.detail);
  return {
    detailType: event.detailType,
    detail: event.detail,
    time: event.detail.at,
    ...(record.eventID ? { eventID: record.eventID } : {}),
  };
}

/** Where a record sits (its item's keys and its place in the stream), for the log of a skipped one. */
function coordinatesOf(record: StreamRecord): Omit<SkippedRecord, 'reason'> {
  const keys = record?.dynamodb?.Keys ?? record?.dynamodb?.NewImage ?? {};
  const text = (value: AttributeValue | undefined) => (value && 'S' in value ? value.S : undefined);
  return {
    pk: text(keys.pk),
    sk: text(keys.sk),
    eventID: record?.eventID,
    sequenceNumber: record?.dynamodb?.SequenceNumber,
  };
}

/** How long DynamoDB Streams keeps a record (fixed by AWS). */
export const STREAM_RETENTION_SECONDS = 24 * 60 * 60;

/**
 * The pipe stops retrying a batch once its records are this old and sends the batch's stream
 * coordinates to its dead-letter queue: 6 hours, so that 18 hours remain in which the records can
 * still be read back from the stream (`pushline dlq redrive`); after that, `pushline republish
 * <run>` reads the run's events from the table instead.
 */
export const OUTBOX_MAX_RECORD_AGE_SECONDS = 6 * 60 * 60;

/**
 * The Pipe's filter on the stream, as an EventBridge event pattern: inserts of applied log entries.
 * serverless.yml puts it on the pipe; the tests run it through the same pattern matcher as the rules.
 */
export const OUTBOX_FILTER_PATTERN = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { kind: { S: [ItemKind.Log] }, disposition: { S: ['applied'] } } },
} as const;
