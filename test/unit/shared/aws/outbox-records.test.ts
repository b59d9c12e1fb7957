import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { matchesPattern } from '../../../../serverless/event-pattern.ts';
import { logItem, snapshotItem } from '../../../../shared/aws/dynamo-items.ts';
import {
  busEntriesOf,
  OUTBOX_FILTER_PATTERN,
  type StreamRecord,
} from '../../../../shared/aws/outbox-records.ts';
import { marshallValue, unmarshallImage, unmarshallValue } from '../../../../shared/aws/stream-image.ts';
import { applyEvent } from '../../../../shared/domain/run.ts';
import { runStarted } from '../../../contract/aws/support/events.ts';

const started = runStarted({ runId: '01RUN' });
const entry = {
  seq: 1,
  eventId: started.detail.eventId,
  detailType: started.detailType,
  detail: started.detail,
  recordedAt: '2025-03-14T09:27:00.000Z',
};
const record = (item: object, eventName: StreamRecord['eventName'] = 'INSERT'): StreamRecord => ({
  eventName,
  dynamodb: { NewImage: (marshallValue(item) as { M: NonNullable<StreamRecord['dynamodb']>['NewImage'] }).M },
});

describe('the outbox records', () => {
  it('turns an inserted applied log entry back into its pipeline event', () => {
    const { entries, skipped } = busEntriesOf([
      {
        ...record(logItem('01RUN', { ...entry, disposition: 'applied' })),
        eventID: 'c81e728d9d4c2f636f067f89cc14862c',
      },
    ]);

    expect(entries).toEqual([
      {
        detailType: 'Run Started',
        detail: started.detail,
        time: started.detail.at,
        eventID: 'c81e728d9d4c2f636f067f89cc14862c',
      },
    ]);
    expect(skipped).toEqual([]);
  });

  it('publishes neither ignored entries, snapshots, nor modifications', () => {
    const run = applyEvent(undefined, started).run;
    const records = [
      record(logItem('01RUN', { ...entry, disposition: 'ignored', reason: 'late' })),
      record(snapshotItem(run, 1)),
      record(logItem('01RUN', { ...entry, disposition: 'applied' }), 'MODIFY'),
    ];

    expect(busEntriesOf(records)).toEqual({ entries: [], skipped: [] });
    expect(records.filter((r) => matchesPattern(OUTBOX_FILTER_PATTERN, r))).toEqual([]);
  });

  it('lets the pipe filter pass exactly the records it publishes', () => {
    const applied = record(logItem('01RUN', { ...entry, disposition: 'applied' }));

    expect(matchesPattern(OUTBOX_FILTER_PATTERN, applied)).toBe(true);
  });

  it('skips a log entry whose detail no longer fits its schema, saying where it is and why', () => {
    const broken = {
      ...record(
        logItem('01RUN', { ...entry, disposition: 'applied', detail: { ...started.detail, runId: '' } }),
      ),
      eventID: 'bad-record',
      dynamodb: {
        ...record(
          logItem('01RUN', { ...entry, disposition: 'applied', detail: { ...started.detail, runId: '' } }),
        ).dynamodb,
        SequenceNumber: '4421584500000000017450439091',
      },
    };

    const { entries, skipped } = busEntriesOf([broken]);

    expect(entries).toEqual([]);
    expect(skipped).toEqual([
      {
        pk: logItem('01RUN', { ...entry, disposition: 'applied' }).pk,
        sk: logItem('01RUN', { ...entry, disposition: 'applied' }).sk,
        eventID: 'bad-record',
        sequenceNumber: '4421584500000000017450439091',
        reason: expect.stringContaining('runId'),
      },
    ]);
  });

  it('skips a record whose image is not DynamoDB JSON at all', () => {
    const garbage = { eventName: 'INSERT', eventID: 'junk', dynamodb: { NewImage: { kind: { X: 'log' } } } };

    const { entries, skipped } = busEntriesOf([garbage as unknown as StreamRecord]);

    expect(entries).toEqual([]);
    expect(skipped).toEqual([
      expect.objectContaining({ eventID: 'junk', reason: expect.stringContaining('unknown') }),
    ]);
  });

  it('reads back any JSON value the store writes', () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string(),
        fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.string({ minLength: 1 }), tie('value'), { maxKeys: 4 }),
      ),
    })).value;

    fc.assert(fc.property(json, (value) => expect(unmarshallValue(marshallValue(value))).toEqual(value)));
    expect(unmarshallImage({ n: { N: '1.5' }, s: { SS: ['a'] }, ns: { NS: ['2'] } })).toEqual({
      n: 1.5,
      s: ['a'],
      ns: [2],
    });
  });
});
