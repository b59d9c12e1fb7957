import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { Republisher } from './republish.ts';
import { runIdsOfStreamBatch, type StreamBatch, StreamBatchGoneError } from './stream-batch.ts';

/**
 * Replays a batch the outbox pipe gave up on: the runs whose records it held (read from the
 * stream) have their applied events republished from the table. Returns why it could not — the
 * stream has forgotten the batch, or PutEvents kept refusing some events — or `undefined` when
 * every run was republished, so the dead letter is deleted only then.
 */
export function streamBatchMover(
  streams: DynamoDBStreamsClient,
  republisher: Pick<Republisher, 'republish'>,
): (batch: StreamBatch) => Promise<string | undefined> {
  return async (batch) => {
    let runIds: string[];
    try {
      runIds = await runIdsOfStreamBatch(streams, batch);
    } catch (error) {
      if (error instanceof StreamBatchGoneError) return error.message;
      throw error;
    }
    if (runIds.length === 0) return 'the batch holds no record of a run: nothing to republish';
    const refused: string[] = [];
    for (const runId of runIds) {
      const report = await republisher.republish(runId);
      for (const failure of report.failed) refused.push(`${runId} ${failure.detailType} (${failure.error})`);
    }
    return refused.length > 0 ? `PutEvents refused ${refused.join(', ')}` : undefined;
  };
}
