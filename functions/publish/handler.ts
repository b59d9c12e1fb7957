import middy from '@middy/core';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { type BusEntry, busEntriesOf, type StreamRecord } from '../../shared/aws/outbox-records.ts';

const logger = new JsonLogger({ function: 'publish' });

/**
 * The enrichment step of the outbox pipe (DynamoDB stream → EventBridge Pipes → bus): turns the
 * stream records of applied log entries into `{ detailType, detail }`, which the pipe's target
 * sends to the Pushline bus. A transformer cannot do this step: a detail is nested maps and lists
 * in DynamoDB's typed JSON, which an input template can only copy, not unwrap (docs/aws.md).
 */
export const handler = middy(async (records: StreamRecord[]): Promise<BusEntry[]> => {
  const entries = busEntriesOf(records);
  logger.info('publishing', { records: records.length, events: entries.map((e) => e.detail.eventId) });
  return entries;
});
