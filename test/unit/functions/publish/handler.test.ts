import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { logItem } from '../../../../shared/aws/dynamo-items.ts';
import type { BusEntry, StreamRecord } from '../../../../shared/aws/outbox-records.ts';
import { type AttributeValue, marshallValue } from '../../../../shared/aws/stream-image.ts';
import { runStarted } from '../../../contract/aws/support/events.ts';

type Handler = (event: unknown, context: unknown) => Promise<BusEntry[]>;

/** A stream record as the pipe hands it over: keys, new image, the record's id and sequence number. */
function streamRecord(seq: number, item: object): StreamRecord {
  const image = (marshallValue(item) as { M: Record<string, AttributeValue> }).M;
  return {
    eventID: `stream-record-${seq}`,
    eventName: 'INSERT',
    dynamodb: {
      Keys: { pk: image.pk!, sk: image.sk! },
      NewImage: image,
      SequenceNumber: `4421584500000000017450439${String(seq).padStart(3, '0')}`,
    },
  };
}

function applied(runId: string, seq: number, event: { detailType: string; detail: { eventId: string } }) {
  return logItem(runId, {
    seq,
    eventId: event.detail.eventId,
    detailType: event.detailType as never,
    detail: event.detail as never,
    recordedAt: '2025-03-14T09:27:00.000Z',
    disposition: 'applied',
  });
}

describe('publish (the outbox enrichment)', () => {
  let handler: Handler;
  let lines: Record<string, unknown>[];
  const saved = { ...process.env };

  beforeEach(async () => {
    process.env.PUSHLINE_STAGE = 'prod';
    lines = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      return true;
    });
    ({ handler } = (await import('../../../../functions/publish/handler.ts')) as never);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.env = { ...saved };
  });

  it('publishes the good records of a batch around a malformed one, and logs and counts the bad one', async () => {
    const first = runStarted({ runId: '01RUNA' });
    const second = runStarted({ runId: '01RUNB', at: '2025-03-14T09:28:30.000Z' });
    const broken = applied('01RUNC', 1, runStarted({ runId: '01RUNC' }));
    (broken.detail as { pipeline: string }).pipeline = '';

    const entries = await handler(
      [
        streamRecord(1, applied('01RUNA', 1, first)),
        streamRecord(2, broken),
        streamRecord(3, applied('01RUNB', 1, second)),
      ],
      { awsRequestId: 'req-1' },
    );

    expect(entries).toEqual([
      { detailType: 'Run Started', detail: first.detail, time: first.detail.at, eventID: 'stream-record-1' },
      {
        detailType: 'Run Started',
        detail: second.detail,
        time: second.detail.at,
        eventID: 'stream-record-3',
      },
    ]);
    const error = lines.find((line) => line.level === 'ERROR');
    expect(error).toMatchObject({
      message: 'skipped stream records that are not pipeline events',
      skipped: [
        {
          pk: broken.pk,
          sk: broken.sk,
          eventID: 'stream-record-2',
          sequenceNumber: '4421584500000000017450439002',
          reason: expect.stringContaining('pipeline'),
        },
      ],
      // The embedded metric format: CloudWatch extracts OutboxRecordsSkipped{Stage=prod} = 1 from this line.
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'Pushline',
            Dimensions: [['Stage']],
            Metrics: [{ Name: 'OutboxRecordsSkipped', Unit: 'Count' }],
          },
        ],
      },
      Stage: 'prod',
      OutboxRecordsSkipped: 1,
    });
    // The detail of a skipped record is not logged: only where it is.
    expect(JSON.stringify(error)).not.toContain(broken.eventId);
  });

  it('emits no metric when every record is good', async () => {
    const event = runStarted({ runId: '01RUND' });

    await handler([streamRecord(1, applied('01RUND', 1, event))], { awsRequestId: 'req-2' });

    expect(lines.filter((line) => '_aws' in line)).toEqual([]);
  });

  it('refuses an input that is not a batch, so the pipe retries it', async () => {
    await expect(handler({ Records: [] }, { awsRequestId: 'req-3' })).rejects.toThrow(
      /array of DynamoDB stream records/,
    );
  });
});
