import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { lambdaHandler } from '../../shared/aws/lambda/lambda-handler.ts';
import { type BusEntry, busEntriesOf, type StreamRecord } from '../../shared/aws/outbox-records.ts';
import { EventValidationError } from '../../shared/domain/errors.ts';

const logger = new JsonLogger({ function: 'publish' });

/** The pipe hands the enrichment a batch: an array of DynamoDB stream records. */
function streamRecords(raw: unknown): StreamRecord[] {
  if (!Array.isArray(raw)) throw new EventValidationError('expected an array of DynamoDB stream records');
  return raw as StreamRecord[];
}

/**
 * The enrichment step of the outbox pipe (DynamoDB stream → EventBridge Pipes → bus): turns the
 * stream records of applied log entries into `{ detailType, detail }`, which the pipe's target
 * sends to the Pushline bus. A transformer cannot do this step: a detail is nested maps and lists
 * in DynamoDB's typed JSON, which an input template can only copy, not unwrap (docs/aws.md).
 */
export const handler = lambdaHandler(logger, streamRecords, async (records, context): Promise<BusEntry[]> => {
  const entries = busEntriesOf(records);
  context.logger.info('publishing', {
    records: records.length,
    events: entries.map((e) => e.detail.eventId),
  });
  return entries;
});
