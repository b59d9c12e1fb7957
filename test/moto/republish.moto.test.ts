import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { main } from '../../cli/main.ts';
import { recordEvents } from '../../shared/app/record-events.ts';
import { DynamoRunStore } from '../../shared/aws/dynamo-run-store.ts';
import { buildStarted, runStarted, tickingClock } from '../contract/aws/support/events.ts';
import { createPushlineTable } from '../contract/aws/support/pushline-table.ts';
import { type Moto, startMoto } from '../support/moto.ts';

/**
 * Moving a stalled run on, against moto over real HTTP: a run whose events were written to the
 * table but never published (the outbox pipe gave up on their batch) is republished from the table
 * by `pushline republish`, and `pushline dlq redrive` does the same for the runs of a pipe dead
 * letter, found through the stream coordinates it holds. What arrives on the bus is observed through
 * a rule into an SQS queue, as any subscriber would see it.
 */
let moto: Moto;
let dynamo: DynamoDBClient;
let streams: DynamoDBStreamsClient;
let events: EventBridgeClient;
let sqs: SQSClient;
let busQueue: string;
const saved = { ...process.env };
const STAGE = 'moto';
const clock = tickingClock();

beforeAll(async () => {
  moto = await startMoto();
  dynamo = new DynamoDBClient(moto.clientConfig);
  streams = new DynamoDBStreamsClient(moto.clientConfig);
  events = new EventBridgeClient(moto.clientConfig);
  sqs = new SQSClient(moto.clientConfig);
  // The CLI builds its own clients from the SDK's configuration: point them at moto.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: moto.clientConfig.region,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  });
  await createPushlineTable(dynamo, `pushline-${STAGE}`, { stream: true }).then((name) => {
    process.env.PUSHLINE_TEST_TABLE = name;
  });
  await events.send(new CreateEventBusCommand({ Name: `pushline-${STAGE}` }));
  busQueue = (await sqs.send(new CreateQueueCommand({ QueueName: 'bus-observer' }))).QueueUrl!;
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: busQueue, AttributeNames: ['QueueArn'] }),
  );
  await events.send(
    new PutRuleCommand({
      Name: 'observe',
      EventBusName: `pushline-${STAGE}`,
      EventPattern: JSON.stringify({ source: ['pushline'] }),
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: 'observe',
      EventBusName: `pushline-${STAGE}`,
      Targets: [{ Id: 'q', Arn: Attributes!.QueueArn! }],
    }),
  );
});
afterEach(() => {
  jest.restoreAllMocks();
});
afterAll(async () => {
  process.env = saved;
  for (const client of [dynamo, streams, events, sqs]) client.destroy();
  await moto.close();
});

const tableName = () => process.env.PUSHLINE_TEST_TABLE!;

async function pushline(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  jest.spyOn(console, 'log').mockImplementation((line: unknown) => void out.push(String(line)));
  jest.spyOn(console, 'error').mockImplementation((line: unknown) => void err.push(String(line)));
  const code = await main(['node', 'pushline', ...args]);
  jest.restoreAllMocks();
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A run with two applied events in the table that the bus never saw. */
async function stalledRun(runId: string): Promise<string[]> {
  const store = new DynamoRunStore({ client: dynamo, tableName: tableName(), clock });
  const started = runStarted({ runId });
  await store.startRuns({ id: `delivery-${runId}`, provider: 'github' }, [started]);
  const build = buildStarted((await store.get(runId))!.run, clock);
  await recordEvents(store, runId, () => [build]);
  return [started.detail.eventId, build.detail.eventId];
}

/** What the bus delivered to the observing rule since the last call. */
async function delivered(): Promise<
  { source: string; 'detail-type': string; time: string; detail: { eventId: string; at: string } }[]
> {
  const out = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: busQueue, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return out;
    out.push(...Messages.map((m) => JSON.parse(m.Body!)));
  }
}

describe('pushline republish', () => {
  it("puts a stalled run's applied events on the bus, in order, as the pipe publishes them", async () => {
    const ids = await stalledRun('01JRPBSH00000000000000000A');

    const result = await pushline('republish', '0000000000000A', '--stage', STAGE, '--table', tableName());

    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toContain('republished 2 event(s) of run 01JRPBSH00000000000000000A');
    const bus = await delivered();
    expect(bus.map((e) => [e.source, e['detail-type'], e.detail.eventId])).toEqual([
      ['pushline', 'Run Started', ids[0]],
      ['pushline', 'Build Started', ids[1]],
    ]);
    // EventBridge keeps an event's time to the second.
    for (const event of bus)
      expect(Date.parse(event.time)).toBe(Math.floor(Date.parse(event.detail.at) / 1000) * 1000);
  });

  it('sends the same events again when run again (subscribers skip them by event id), and nothing with --dry-run', async () => {
    const ids = await stalledRun('01JRPBSH00000000000000000B');
    await pushline('republish', '01JRPBSH00000000000000000B', '--stage', STAGE, '--table', tableName());
    await delivered();

    const dry = await pushline(
      'republish',
      '01JRPBSH00000000000000000B',
      '--stage',
      STAGE,
      '--table',
      tableName(),
      '--dry-run',
    );
    expect(dry.out).toContain('would republish 2 event(s)');
    expect(await delivered()).toEqual([]);

    await pushline(
      'republish',
      '01JRPBSH00000000000000000B',
      '--stage',
      STAGE,
      '--table',
      tableName(),
      '--from',
      '2',
    );
    expect((await delivered()).map((e) => e.detail.eventId)).toEqual([ids[1]]);
  });

  it('refuses a bad --from and an unknown run with a clear message', async () => {
    expect(await pushline('republish', '01JRPBSH00000000000000000A', '--from', '0')).toMatchObject({
      code: 2,
      err: expect.stringContaining('--from must be a log position from 1, not "0"'),
    });
    const unknown = await pushline(
      'republish',
      '01JNXSXCHRN0000000000000ZZ',
      '--stage',
      STAGE,
      '--table',
      tableName(),
    );
    expect(unknown).toMatchObject({ code: 1, err: expect.stringContaining('does not exist') });
  });
});

describe('pushline dlq redrive of a pipe dead letter', () => {
  async function streamCoordinates(runId: string) {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName() }));
    const streamArn = Table!.LatestStreamArn!;
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    const shardId = StreamDescription!.Shards![0]!.ShardId!;
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const { Records = [] } = await streams.send(new GetRecordsCommand({ ShardIterator, Limit: 1000 }));
    const ofRun = Records.filter((r) => r.dynamodb?.Keys?.pk?.S === `RUN#${runId}`);
    return {
      streamArn,
      shardId,
      startSequenceNumber: ofRun[0]!.dynamodb!.SequenceNumber!,
      endSequenceNumber: ofRun.at(-1)!.dynamodb!.SequenceNumber!,
      batchSize: ofRun.length,
    };
  }

  /** The dead letter as the pipe writes it: an invocation record with the batch's stream coordinates. */
  function pipeDeadLetter(batch: Record<string, unknown>) {
    return JSON.stringify({
      requestContext: {
        requestId: '316aa6d0-8154-xmpl-9af7-85d5f4a6bc81',
        functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:pushline-moto-publish',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 21,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: '2026-12-02T19:49:36.775Z',
      DDBStreamBatchInfo: {
        ...batch,
        approximateArrivalOfFirstRecord: '2026-12-02T19:45:00Z',
        approximateArrivalOfLastRecord: '2026-12-02T19:45:00Z',
      },
    });
  }

  it('republishes the runs of the batch from the table and deletes the letter', async () => {
    const ids = await stalledRun('01JRDRVE00000000000000000A');
    await delivered();
    const queueUrl = (
      await sqs.send(
        new CreateQueueCommand({ QueueName: `pushline-${STAGE}-OutboxPipeDeadLetterQueue-7HQ2X` }),
      )
    ).QueueUrl!;
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: pipeDeadLetter(await streamCoordinates('01JRDRVE00000000000000000A')),
      }),
    );

    const listed = await pushline('dlq', 'list', '--function', 'outbox', '--stage', STAGE);
    expect(listed.out).toMatch(/outbox batch of \d+ record\(s\) in shardId-/);
    expect(listed.out).toContain('RetryAttemptsExhausted');

    const redrive = await pushline(
      'dlq',
      'redrive',
      '--queue-url',
      queueUrl,
      '--stage',
      STAGE,
      '--table',
      tableName(),
    );

    expect(redrive).toMatchObject({ code: 0, out: expect.stringContaining('replayed 1, left 0') });
    expect((await delivered()).map((e) => e.detail.eventId)).toEqual(ids);
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    expect(Attributes!.ApproximateNumberOfMessages).toBe('0');
  });

  it('keeps a letter whose batch the stream no longer holds, and says what to do', async () => {
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'pipe-dlq-expired' }))).QueueUrl!;
    const coordinates = await streamCoordinates('01JRDRVE00000000000000000A');
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        // The stream of a table that was deleted: gone with its records.
        MessageBody: pipeDeadLetter({
          ...coordinates,
          streamArn: coordinates.streamArn.replace(
            /table\/.*$/,
            'table/pushline-deleted/stream/2026-11-01T00:00:00.000',
          ),
        }),
      }),
    );

    const redrive = await pushline(
      'dlq',
      'redrive',
      '--queue-url',
      queueUrl,
      '--stage',
      STAGE,
      '--table',
      tableName(),
    );

    expect(redrive).toMatchObject({ code: 1, err: '' });
    expect(redrive.out).toContain('left 1');
    expect(redrive.out).toContain('pushline republish <run>');
  });
});
