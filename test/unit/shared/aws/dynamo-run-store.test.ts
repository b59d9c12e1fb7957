import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { snapshotItem } from '../../../../shared/aws/dynamo-items.ts';
import { DynamoRunStore } from '../../../../shared/aws/dynamo-run-store.ts';
import { ConcurrencyError, TransientError } from '../../../../shared/domain/errors.ts';
import { applyEvent } from '../../../../shared/domain/run.ts';
import { buildStarted, runStarted } from '../../../contract/aws/support/events.ts';

const clock = { now: () => new Date('2025-03-14T09:30:00.000Z') };
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const ddb = mockClient(DynamoDBDocumentClient);
const store = new DynamoRunStore({ client: doc, tableName: 'pushline-dev', clock, deliveryTtlSeconds: 3600 });
const started = runStarted({ runId: '01RUN' });
const run = applyEvent(undefined, started).run;

function canceled(codes: string[]) {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

describe('DynamoRunStore (command inputs)', () => {
  beforeEach(() => {
    ddb.reset();
  });

  it('writes the delivery record with a TTL and a condition, and the runs, in one transaction', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    await store.startRuns({ id: 'gh-1', provider: 'github' }, [started]);

    const input = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input;
    expect(input.TransactItems).toHaveLength(3);
    expect(input.TransactItems![0]!.Put).toEqual({
      TableName: 'pushline-dev',
      Item: {
        pk: 'DELIVERY#github:gh-1',
        sk: 'DELIVERY',
        kind: 'delivery',
        runIds: ['01RUN'],
        expiresAt: Date.parse('2025-03-14T09:30:00Z') / 1000 + 3600,
      },
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
      ExpressionAttributeValues: { ':now': Date.parse('2025-03-14T09:30:00Z') / 1000 },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(input.TransactItems![1]!.Put).toMatchObject({
      Item: { pk: 'RUN#01RUN', sk: 'RUN', version: 1, gsi1pk: 'web', gsi2pk: 'RUN', gsi2sk: '01RUN' },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(input.TransactItems![2]!.Put?.Item).toMatchObject({
      pk: 'RUN#01RUN',
      sk: 'LOG#00000001',
      kind: 'log',
      disposition: 'applied',
      detailType: 'Run Started',
    });
  });

  it('returns the original run ids from the cancellation reason on a duplicate delivery', async () => {
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: [
          { Code: 'ConditionalCheckFailed', Item: { runIds: { L: [{ S: '01OLD' }] } } },
          { Code: 'None' },
          { Code: 'None' },
        ],
      }),
    );

    const result = await store.startRuns({ id: 'gh-1', provider: 'github' }, [started]);

    expect(result).toEqual({ created: false, runIds: ['01OLD'] });
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('reads the snapshot consistently and appends conditionally on the version read', async () => {
    ddb.on(GetCommand).resolves({ Item: snapshotItem(run, 1) });
    ddb.on(TransactWriteCommand).resolves({});

    const result = await store.append('01RUN', 1, [buildStarted(run, clock, 'web:7')]);

    expect(ddb.commandCalls(GetCommand)[0]!.args[0].input).toEqual({
      TableName: 'pushline-dev',
      Key: { pk: 'RUN#01RUN', sk: 'RUN' },
      ConsistentRead: true,
    });
    const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items[0]!.Put).toMatchObject({
      Item: { pk: 'RUN#01RUN', sk: 'RUN', version: 2, status: 'running' },
      ConditionExpression: 'version = :expected',
      ExpressionAttributeValues: { ':expected': 1 },
    });
    expect(items[1]!.Put).toMatchObject({
      Item: { sk: 'LOG#00000002', seq: 2, detailType: 'Build Started', disposition: 'applied' },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(result.version).toBe(2);
  });

  it.each([
    ['ConditionalCheckFailed', 'None'],
    ['None', 'TransactionConflict'],
  ])('throws ConcurrencyError when the transaction is cancelled by %s/%s', async (...codes) => {
    ddb.on(GetCommand).resolves({ Item: snapshotItem(run, 1) });
    ddb.on(TransactWriteCommand).rejects(canceled(codes));

    await expect(store.append('01RUN', 1, [buildStarted(run, clock)])).rejects.toBeInstanceOf(
      ConcurrencyError,
    );
  });

  it('throws TransientError when DynamoDB throttles', async () => {
    ddb.on(GetCommand).rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));

    await expect(store.get('01RUN')).rejects.toBeInstanceOf(TransientError);
  });

  it('queries the pipeline index newest first with a status filter', async () => {
    ddb.on(QueryCommand).resolves({ Items: [snapshotItem(run, 1)] });

    const page = await store.list({ pipeline: 'web', status: ['running', 'failed'], limit: 10 });

    expect(ddb.commandCalls(QueryCommand)[0]!.args[0].input).toEqual({
      TableName: 'pushline-dev',
      IndexName: 'byPipeline',
      KeyConditionExpression: 'gsi1pk = :key',
      FilterExpression: '#status IN (:s0, :s1)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':key': 'web', ':s0': 'running', ':s1': 'failed' },
      ScanIndexForward: false,
      Limit: 10,
    });
    expect(page).toEqual({ runs: [run] });
  });

  it('guards attribute claims with a run-exists check and an absent-key condition', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    await store.setAttribute('01RUN', 'slack.ts', '1.2', { ifAbsent: true });

    expect(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems).toEqual([
      {
        ConditionCheck: {
          TableName: 'pushline-dev',
          Key: { pk: 'RUN#01RUN', sk: 'RUN' },
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      {
        Put: {
          TableName: 'pushline-dev',
          Item: { pk: 'RUN#01RUN', sk: 'ATTR#slack.ts', kind: 'attr', value: '1.2' },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]);
  });

  it('links a build to its run with a Put and finds it with a consistent Get', async () => {
    ddb.on(PutCommand).resolves({});
    ddb.on(GetCommand).resolves({ Item: { pk: 'REF#build#web:7', sk: 'REF', kind: 'ref', runId: '01RUN' } });

    await store.link({ kind: 'build', id: 'web:7' }, '01RUN');
    const runId = await store.findByRef({ kind: 'build', id: 'web:7' });

    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
      TableName: 'pushline-dev',
      Item: { pk: 'REF#build#web:7', sk: 'REF', kind: 'ref', runId: '01RUN' },
    });
    expect(ddb.commandCalls(GetCommand)[0]!.args[0].input).toEqual({
      TableName: 'pushline-dev',
      Key: { pk: 'REF#build#web:7', sk: 'REF' },
      ConsistentRead: true,
    });
    expect(runId).toBe('01RUN');
  });

  it('reads a log with a paginated, consistent Query of the run partition', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({
        Items: [{ pk: 'RUN#01RUN', sk: 'LOG#00000001', kind: 'log', runId: '01RUN', seq: 1 }],
        LastEvaluatedKey: { pk: 'RUN#01RUN', sk: 'LOG#00000001' },
      })
      .resolvesOnce({
        Items: [{ pk: 'RUN#01RUN', sk: 'LOG#00000002', kind: 'log', runId: '01RUN', seq: 2 }],
      });

    const log = await store.log('01RUN');

    expect(ddb.commandCalls(QueryCommand).map((c) => c.args[0].input)).toEqual([
      {
        TableName: 'pushline-dev',
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': 'RUN#01RUN', ':prefix': 'LOG#' },
        ConsistentRead: true,
      },
      {
        TableName: 'pushline-dev',
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': 'RUN#01RUN', ':prefix': 'LOG#' },
        ConsistentRead: true,
        ExclusiveStartKey: { pk: 'RUN#01RUN', sk: 'LOG#00000001' },
      },
    ]);
    expect(log).toEqual([{ seq: 1 }, { seq: 2 }]);
  });
});
