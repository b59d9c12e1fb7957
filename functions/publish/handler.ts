import { embeddedCount } from '../../shared/aws/lambda/embedded-metric.ts';
import { JsonLogger } from '../../shared/aws/lambda/json-logger.ts';
import { lambdaHandler } from '../../shared/aws/lambda/lambda-handler.ts';
import {
  type BusEntry,
  busEntriesOf,
  OUTBOX_SKIPPED_METRIC,
  type StreamRecord,
} from '../../shared/aws/outbox-records.ts';
import { EventValidationError } from '../../shared/domain/errors.ts';

const logger = new JsonLogger({ function: 'publish' });

/** The pipe hands the enrichment a batch: an array of DynamoDB stream records. */
function streamRecords(raw: unknown): StreamRecord[] {
  if (!Array.isArray(raw)) throw new EventValidationError('expected an array of DynamoDB stream records');
  return raw as StreamRecord[];
}

/**
 * The enrichment step of the outbox pipe (DynamoDB stream → EventBridge Pipes → bus): turns the
 * stream records of applied log entries into `{ detailType, detail, time }`, which the pipe's
 * target sends to the Pushline bus. A transformer cannot do this step: a detail is nested maps and
 * lists in DynamoDB's typed JSON, which an input template can only copy, not unwrap (docs/aws.md).
 *
 * It never fails because of one record: a record that does not parse is skipped, logged with its
 * keys and stream position, and counted in the `OutboxRecordsSkipped` metric (embedded in the same
 * log line), whose alarm tells the operator; `pushline republish <run>` publishes that run's events
 * again from the table. The step has no I/O, so it has no transient failure to retry: it throws
 * only when the pipe hands it something that is not a batch at all.
 */
export const handler = lambdaHandler(logger, streamRecords, async (records, context): Promise<BusEntry[]> => {
  const { entries, skipped } = busEntriesOf(records);
  if (skipped.length > 0) {
    context.logger.error('skipped stream records that are not pipeline events', {
      skipped,
      ...embeddedCount(OUTBOX_SKIPPED_METRIC, process.env.PUSHLINE_STAGE ?? 'unknown', skipped.length),
    });
  }
  context.logger.info('publishing', {
    records: records.length,
    events: entries.map((e) => e.detail.eventId),
  });
  return entries;
});
