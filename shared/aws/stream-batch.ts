import {
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { runPk } from './dynamo-items.ts';
import { type AttributeValue, unmarshallValue } from './stream-image.ts';

const RUN_PREFIX = runPk('');

/**
 * Where a batch the outbox pipe gave up on sits in the table's stream: what its dead-letter
 * message holds instead of the records (the `DDBStreamBatchInfo` of an invocation record, as
 * Lambda's event source mappings — on which Pipes' stream sources are built — write it).
 */
export interface StreamBatch {
  streamArn: string;
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  batchSize?: number;
}

/** The stream no longer holds the batch (its 24 hours are over, or the shard is gone). */
export class StreamBatchGoneError extends Error {
  constructor(batch: StreamBatch, cause: unknown) {
    super(
      `the stream no longer holds the batch ${batch.shardId} ${batch.startSequenceNumber}…${batch.endSequenceNumber}` +
        ' (a stream keeps records for 24 hours): republish the stalled runs from the table with pushline republish <run>',
      { cause },
    );
    this.name = 'StreamBatchGoneError';
  }
}

const GONE = new Set(['TrimmedDataAccessException', 'ResourceNotFoundException', 'ExpiredIteratorException']);
/** GetRecords pages to read at most, so a batch in a busy shard cannot keep the command reading for ever. */
const MAX_PAGES = 100;

/** `RUN#<runId>` → the run id; the other items of the table (deliveries, pipelines) have none. */
function runIdOf(pk: AttributeValue | undefined): string | undefined {
  const key = pk ? unmarshallValue(pk) : undefined;
  return typeof key === 'string' && key.startsWith(RUN_PREFIX) ? key.slice(RUN_PREFIX.length) : undefined;
}

/**
 * The runs whose records make up the batch: read from the stream between its two sequence numbers
 * (each item of a run is keyed `RUN#<runId>`). Throws {@link StreamBatchGoneError} when the
 * stream has forgotten them.
 */
export async function runIdsOfStreamBatch(
  client: DynamoDBStreamsClient,
  batch: StreamBatch,
): Promise<string[]> {
  const runIds = new Set<string>();
  try {
    let { ShardIterator } = await client.send(
      new GetShardIteratorCommand({
        StreamArn: batch.streamArn,
        ShardId: batch.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        SequenceNumber: batch.startSequenceNumber,
      }),
    );
    const end = BigInt(batch.endSequenceNumber);
    for (let page = 0; ShardIterator && page < MAX_PAGES; page++) {
      const { Records = [], NextShardIterator } = await client.send(new GetRecordsCommand({ ShardIterator }));
      for (const record of Records) {
        if (BigInt(record.dynamodb?.SequenceNumber ?? '0') > end) return [...runIds];
        const runId = runIdOf(record.dynamodb?.Keys?.pk as AttributeValue | undefined);
        if (runId) runIds.add(runId);
      }
      if (Records.length === 0 && runIds.size > 0) break;
      ShardIterator = NextShardIterator;
    }
  } catch (error) {
    if (error instanceof Error && GONE.has(error.name)) throw new StreamBatchGoneError(batch, error);
    throw error;
  }
  return [...runIds];
}
