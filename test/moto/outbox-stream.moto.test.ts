import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { handler as publish } from '../../functions/publish/handler.ts';
import { matchesPattern } from '../../serverless/event-pattern.ts';
import { recordEvents } from '../../shared/app/record-events.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { type BusEntry, OUTBOX_FILTER_PATTERN, type StreamRecord } from '../../shared/aws/outbox-records.ts';
import { buildStarted, runStarted, tickingClock } from '../contract/aws/support/events.ts';
import { createPushlineTable } from '../contract/aws/support/pushline-table.ts';
import { type Moto, startMoto } from '../support/moto.ts';

/**
 * The outbox's first half on moto: the store writes through real transactions, moto's DynamoDB
 * Streams hands back the records it made of them (as the pipe would read them), the template's
 * filter keeps the applied log entries, and the real `publish` turns them into bus entries.
 */
let moto: Moto;
let dynamo: DynamoDBClient;
let streams: DynamoDBStreamsClient;

beforeAll(async () => {
  moto = await startMoto();
  dynamo = new DynamoDBClient(moto.clientConfig);
  streams = new DynamoDBStreamsClient(moto.clientConfig);
});
afterAll(async () => {
  dynamo.destroy();
  streams.destroy();
  await moto.close();
});

/** Every record of the table's stream so far, oldest first, as the pipe would read them. */
async function streamRecords(tableName: string): Promise<_Record[]> {
  const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
  const { StreamDescription } = await streams.send(
    new DescribeStreamCommand({ StreamArn: Table!.LatestStreamArn! }),
  );
  const records: _Record[] = [];
  for (const shard of StreamDescription!.Shards ?? []) {
    let { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: Table!.LatestStreamArn!,
        ShardId: shard.ShardId!,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    while (ShardIterator) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator }));
      records.push(...(page.Records ?? []));
      if (!page.Records?.length) break;
      ShardIterator = page.NextShardIterator;
    }
  }
  return records;
}

it('publishes exactly the applied events of the stream, in order, with their parsed details and times', async () => {
  const clock = tickingClock();
  const tableName = await createPushlineTable(dynamo, 'outbox', { stream: true });
  const store = new DynamoRunStore({ client: dynamo, tableName, clock });
  const started = runStarted({ runId: '01RUNSTREAM' });
  await store.startRuns({ id: 'delivery-1', provider: 'github' }, [started]);
  const build = buildStarted((await store.get('01RUNSTREAM'))!.run, clock);
  await recordEvents(store, '01RUNSTREAM', () => [build]);
  // A duplicate of an applied event is not logged again; an event of an older attempt is logged as ignored.
  await recordEvents(store, '01RUNSTREAM', () => [build]);
  await store.addNote('01RUNSTREAM', { at: clock.now().toISOString(), kind: 'test', message: 'a note' });

  const records = await streamRecords(tableName);
  const filtered = records.filter((record) => matchesPattern(OUTBOX_FILTER_PATTERN, record));
  const entries = (await publish(
    filtered as StreamRecord[],
    { awsRequestId: 'req-1' } as never,
  )) as BusEntry[];

  // The stream also carries the snapshot, index and note items: the filter passes the two applied events only.
  expect(records.length).toBeGreaterThan(2);
  expect(filtered.map((record) => record.eventID)).toEqual(entries.map((entry) => entry.eventID));
  expect(entries.map(({ detailType, detail, time }) => ({ detailType, detail, time }))).toEqual([
    { detailType: 'Run Started', detail: started.detail, time: started.detail.at },
    { detailType: 'Build Started', detail: build.detail, time: build.detail.at },
  ]);
});
