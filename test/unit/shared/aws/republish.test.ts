import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { readDeadLetter } from '../../../../shared/aws/dlq-messages.ts';
import { Republisher } from '../../../../shared/aws/republish.ts';
import type { LogEntry } from '../../../../shared/ports/run-store.ts';
import { runStarted } from '../../../contract/aws/support/events.ts';

const events = mockClient(EventBridgeClient);

/** A log of `n` applied entries and one ignored one. */
function log(n: number): LogEntry[] {
  const entries: LogEntry[] = Array.from({ length: n }, (_, i) => {
    const event = runStarted({ runId: '01RUN', eventId: `ev-${i + 1}` });
    return {
      seq: i + 1,
      eventId: event.detail.eventId,
      detailType: event.detailType,
      detail: event.detail,
      disposition: 'applied',
      recordedAt: event.detail.at,
    };
  });
  return [
    ...entries,
    { ...entries[0]!, seq: n + 1, eventId: 'ev-late', disposition: 'ignored', reason: 'late' },
  ];
}

const republisher = (entries: LogEntry[]) =>
  new Republisher({
    store: { log: async () => entries },
    events: new EventBridgeClient({ region: 'eu-west-1' }),
    busName: 'pushline-prod',
    sleep: async () => {},
  });

describe('Republisher', () => {
  beforeEach(() => {
    events.reset();
  });

  it('puts the applied entries, ten per call, as the pipe does, and never the ignored ones', async () => {
    events
      .on(PutEventsCommand)
      .callsFake(({ Entries }) => ({ FailedEntryCount: 0, Entries: Entries.map(() => ({ EventId: 'x' })) }));

    const report = await republisher(log(12)).republish('01RUN');

    const calls = events.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!);
    expect(calls.map((entries) => entries.length)).toEqual([10, 2]);
    expect(calls[0]![0]).toEqual({
      EventBusName: 'pushline-prod',
      Source: 'pushline',
      DetailType: 'Run Started',
      Detail: JSON.stringify(log(1)[0]!.detail),
      Time: new Date(log(1)[0]!.detail.at),
    });
    expect(report.published.map((e) => e.eventId)).toEqual(
      log(12)
        .slice(0, 12)
        .map((e) => e.eventId),
    );
    expect(report.failed).toEqual([]);
  });

  it('retries only the entries PutEvents refused, and reports the ones it still refuses', async () => {
    events
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: [
          { EventId: 'a' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' },
          { ErrorCode: 'ThrottlingException' },
        ],
      })
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: 'b' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'still' }],
      })
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'still' }] });

    const report = await republisher(log(3)).republish('01RUN');

    const calls = events
      .commandCalls(PutEventsCommand)
      .map((c) => c.args[0].input.Entries!.map((e) => JSON.parse(e.Detail!).eventId));
    expect(calls).toEqual([['ev-1', 'ev-2', 'ev-3'], ['ev-2', 'ev-3'], ['ev-3']]);
    expect(report.published.map((e) => e.eventId)).toEqual(['ev-1', 'ev-2']);
    expect(report.failed).toEqual([
      { seq: 3, eventId: 'ev-3', detailType: 'Run Started', error: 'InternalFailure: still' },
    ]);
  });

  it('starts at --from and sends nothing on a dry run', async () => {
    const report = await republisher(log(3)).republish('01RUN', { from: 2, dryRun: true });

    expect(report.published.map((e) => e.seq)).toEqual([2, 3]);
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('says so for a run with no events in the table', async () => {
    await expect(republisher([]).republish('01NONE')).rejects.toThrow(
      'run 01NONE has no events in the table',
    );
  });
});

describe('a pipe dead letter', () => {
  it('is read as the stream batch it names, with why the pipe gave up', () => {
    const batch = {
      shardId: 'shardId-00000001700000000000-4f3e2d1c',
      startSequenceNumber: '4421584500000000017450439091',
      endSequenceNumber: '4421584500000000017450439099',
      batchSize: 3,
      streamArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/pushline-prod/stream/2026-11-20T10:11:12.123',
    };
    const letter = readDeadLetter({
      MessageId: 'm-1',
      ReceiptHandle: 'h-1',
      Body: JSON.stringify({
        requestContext: { condition: 'RecordAgeExceeded', approximateInvokeCount: 7 },
        responseContext: { statusCode: 200, functionError: 'Unhandled' },
        version: '1.0',
        timestamp: '2026-12-02T19:49:36.775Z',
        DDBStreamBatchInfo: { ...batch, approximateArrivalOfFirstRecord: '2026-12-02T13:45:00Z' },
      }),
    });

    expect(letter).toMatchObject({
      kind: 'stream-batch',
      batch,
      condition: 'RecordAgeExceeded',
      error: 'Unhandled',
    });
  });
});
