import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readDeadLetter } from '../../../../shared/aws/dlq-messages.ts';

const task = {
  kind: 'canary-check',
  runId: '01JP9ZMQ6R7C0VV1EG6MGAF6HH',
  attempt: 1,
  deploymentId: 'd-QA4G4F9EX',
  check: 3,
};

describe('readDeadLetter', () => {
  it('reads a scheduled canary check that failed: the task, its run, the function and the timeout', () => {
    const record = {
      version: '1.0',
      timestamp: '2025-03-14T09:45:00.000Z',
      requestContext: {
        requestId: 'c0ffee00-0000-4000-8000-000000000001',
        functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:pushline-prod-judge-canary:$LATEST',
        condition: 'EventAgeExceeded',
        approximateInvokeCount: 2,
      },
      requestPayload: task,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: {
        errorMessage: '2025-03-14T09:44:59.000Z c0ffee00 Task timed out after 30.03 seconds',
      },
    };

    const letter = readDeadLetter({
      MessageId: 'm-1',
      ReceiptHandle: 'h-1',
      Body: JSON.stringify(record),
      Attributes: { SentTimestamp: '1741945500000', ApproximateReceiveCount: '3' },
    });

    expect(letter).toEqual({
      messageId: 'm-1',
      receiptHandle: 'h-1',
      kind: 'lambda-failure',
      payload: task,
      detailType: 'task canary-check',
      runId: '01JP9ZMQ6R7C0VV1EG6MGAF6HH',
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:pushline-prod-judge-canary',
      error: '2025-03-14T09:44:59.000Z c0ffee00 Task timed out after 30.03 seconds',
      condition: 'EventAgeExceeded',
      sentAt: '2025-03-14T09:45:00.000Z',
      receiveCount: 3,
    });
  });

  it('reads what is not a failed invocation or an undelivered event as unknown, and a body that is not JSON too', () => {
    const pipeBatch = readDeadLetter({
      MessageId: 'm-2',
      ReceiptHandle: 'h-2',
      Body: JSON.stringify({
        context: { condition: 'RetryAttemptsExhausted' },
        ddbStreamBatchInfo: { shardId: 'shardId-1' },
      }),
    });
    const garbage = readDeadLetter({ MessageId: 'm-3', ReceiptHandle: 'h-3', Body: 'not json' });

    expect(pipeBatch).toMatchObject({ kind: 'unknown', messageId: 'm-2' });
    expect(garbage).toEqual({
      messageId: 'm-3',
      receiptHandle: 'h-3',
      kind: 'unknown',
      error: 'the message body is not JSON',
    });
  });

  it('never throws, whatever the body and attributes', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.json()),
        fc.dictionary(fc.string(), fc.record({ StringValue: fc.option(fc.string(), { nil: undefined }) })),
        (Body, MessageAttributes) => {
          const letter = readDeadLetter({
            MessageId: 'm',
            ReceiptHandle: 'h',
            Body,
            MessageAttributes: MessageAttributes as never,
          });
          expect(['lambda-failure', 'undelivered-event', 'unknown']).toContain(letter.kind);
        },
      ),
      { numRuns: 300 },
    );
  });
});
