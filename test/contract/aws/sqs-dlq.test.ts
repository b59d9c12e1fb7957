import { readFileSync } from 'node:fs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  type ReceiveMessageCommandOutput,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { DeadLetterQueues } from '../../../shared/aws/dlq.ts';
import { NotFoundError } from '../../../shared/domain/errors.ts';

const sqs = mockClient(SQSClient);
const events = mockClient(EventBridgeClient);
const lambda = mockClient(LambdaClient);
const region = { region: 'us-east-1' };
const queues = new DeadLetterQueues({
  sqs: new SQSClient(region),
  events: new EventBridgeClient(region),
  lambda: new LambdaClient(region),
});
const QUEUE =
  'https://sqs.us-east-1.amazonaws.com/123456789012/pushline-prod-DeployStagingDeadLetterQueue-4RZ3JQ0S9T1P';
const received = (): ReceiveMessageCommandOutput =>
  JSON.parse(
    readFileSync(
      new URL('../../fixtures/aws/sqs-receive-message-dead-letters.json', import.meta.url),
      'utf8',
    ),
  );
const [lambdaFailure, undelivered] = received().Messages!;

describe('DeadLetterQueues', () => {
  beforeEach(() => {
    sqs.reset();
    events.reset();
    lambda.reset();
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  });

  it('lists what failed without deleting it, and makes it visible again at once', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce(received())
      .resolvesOnce({ Messages: [lambdaFailure!] })
      .resolves({});

    const letters = await queues.list(QUEUE, { max: 50 });

    expect(sqs.commandCalls(ReceiveMessageCommand)[0]!.args[0].input).toEqual({
      QueueUrl: QUEUE,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 30,
      WaitTimeSeconds: 1,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    });
    // The second receive brought back only a message already seen: the listing stops there.
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(2);
    expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)[0]!.args[0].input).toEqual({
      QueueUrl: QUEUE,
      Entries: [
        { Id: 'm0', ReceiptHandle: lambdaFailure!.ReceiptHandle, VisibilityTimeout: 0 },
        { Id: 'm1', ReceiptHandle: undelivered!.ReceiptHandle, VisibilityTimeout: 0 },
      ],
    });
    expect(letters.map((l) => [l.kind, l.detailType, l.runId, l.error])).toEqual([
      [
        'lambda-failure',
        'Tests Passed',
        '01JP9ZMQ6R7C0VV1EG6MGAF6HH',
        'TransientError: deployment group AppECS-web/DgpECS-web-staging has another deployment in progress',
      ],
      [
        'undelivered-event',
        'CodeDeploy Deployment State-change Notification',
        undefined,
        'SDK_CLIENT_ERROR: Lambda returned 429: Rate Exceeded.',
      ],
    ]);
  });

  it("finds a function's queue by the name CloudFormation gives it, and says so when there is none", async () => {
    sqs
      .on(ListQueuesCommand, { QueueNamePrefix: 'pushline-prod-DeployStagingDeadLetterQueue' })
      .resolves({ QueueUrls: [QUEUE] })
      .on(ListQueuesCommand, { QueueNamePrefix: 'pushline-prod-NotifyDeadLetterQueue' })
      .resolves({});
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '2' } });

    await expect(queues.queueUrlOf('pushline-prod', 'deploy-staging')).resolves.toBe(QUEUE);
    await expect(queues.queueUrlOf('pushline-prod', 'notify')).rejects.toBeInstanceOf(NotFoundError);
    expect(sqs.commandCalls(GetQueueAttributesCommand)[0]!.args[0].input).toEqual({
      QueueUrl: QUEUE,
      AttributeNames: ['ApproximateNumberOfMessages'],
    });
  });

  it('lists every dead-letter queue of the stack with its depth, over every page', async () => {
    const other =
      'https://sqs.us-east-1.amazonaws.com/123456789012/pushline-prod-OutboxPipeDeadLetterQueue-1ABC';
    sqs
      .on(ListQueuesCommand)
      .resolvesOnce({
        QueueUrls: [QUEUE, 'https://sqs.us-east-1.amazonaws.com/123456789012/pushline-prod-work'],
        NextToken: 't',
      })
      .resolvesOnce({ QueueUrls: [other] });
    sqs
      .on(GetQueueAttributesCommand, { QueueUrl: QUEUE })
      .resolves({ Attributes: { ApproximateNumberOfMessages: '2' } })
      .on(GetQueueAttributesCommand, { QueueUrl: other })
      .resolves({ Attributes: { ApproximateNumberOfMessages: '0' } });

    const summaries = await queues.queues('pushline-prod');

    expect(sqs.commandCalls(ListQueuesCommand).map((c) => c.args[0].input)).toEqual([
      { QueueNamePrefix: 'pushline-prod-' },
      { QueueNamePrefix: 'pushline-prod-', NextToken: 't' },
    ]);
    expect(summaries.map((s) => [s.name, s.messages])).toEqual([
      ['pushline-prod-DeployStagingDeadLetterQueue-4RZ3JQ0S9T1P', 2],
      ['pushline-prod-OutboxPipeDeadLetterQueue-1ABC', 0],
    ]);
  });

  it('replays a pipeline event onto the bus and an AWS event to its function, then deletes both', async () => {
    sqs.on(ListDeadLetterSourceQueuesCommand).resolves({ queueUrls: [] });
    sqs.on(ReceiveMessageCommand).resolvesOnce(received()).resolves({});
    events
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: '11710aed-b79e-4468-a20b-bb3c0c3b4860' }] });
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });

    const report = await queues.redrive(QUEUE, { busName: 'pushline-prod' });

    const tested = JSON.parse(lambdaFailure!.Body!).requestPayload;
    expect(events.commandCalls(PutEventsCommand)[0]!.args[0].input).toEqual({
      Entries: [
        {
          EventBusName: 'pushline-prod',
          Source: 'pushline',
          DetailType: 'Tests Passed',
          Detail: JSON.stringify(tested.detail),
        },
      ],
    });
    const invoke = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(invoke.FunctionName).toBe(
      'arn:aws:lambda:us-east-1:123456789012:function:pushline-prod-finish-deployment',
    );
    expect(invoke.InvocationType).toBe('Event');
    expect(JSON.parse(new TextDecoder().decode(invoke.Payload as Uint8Array))).toEqual(
      JSON.parse(undelivered!.Body!),
    );
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]!.args[0].input.VisibilityTimeout).toBe(120);
    expect(sqs.commandCalls(DeleteMessageBatchCommand)[0]!.args[0].input).toEqual({
      QueueUrl: QUEUE,
      Entries: [
        { Id: 'm0', ReceiptHandle: lambdaFailure!.ReceiptHandle },
        { Id: 'm1', ReceiptHandle: undelivered!.ReceiptHandle },
      ],
    });
    expect(report.mode).toBe('replay');
    expect(report.replayed).toHaveLength(2);
    expect(report.skipped).toEqual([]);
  });

  it('keeps what it cannot replay in the queue, visible again, and deletes nothing of it', async () => {
    sqs.on(ListDeadLetterSourceQueuesCommand).resolves({ queueUrls: [] });
    const batch = {
      MessageId: 'pipe-1',
      ReceiptHandle: 'handle-pipe',
      Body: '{"context":{"condition":"RetryAttemptsExhausted"}}',
    };
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [lambdaFailure!, batch] })
      .resolves({});
    events.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });

    const report = await queues.redrive(QUEUE, { busName: 'pushline-prod' });

    expect(report.replayed).toEqual([]);
    expect(report.skipped.map((s) => s.reason)).toEqual([
      'PutEvents refused it: InternalFailure: try again',
      'not a failed invocation or an undelivered event: nothing to replay it to',
    ]);
    expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)[0]!.args[0].input.Entries).toEqual([
      { Id: 'm0', ReceiptHandle: lambdaFailure!.ReceiptHandle, VisibilityTimeout: 0 },
      { Id: 'm1', ReceiptHandle: 'handle-pipe', VisibilityTimeout: 0 },
    ]);
  });

  it("lets SQS move a queue's messages back to its source queues when it is their DLQ", async () => {
    sqs
      .on(ListDeadLetterSourceQueuesCommand)
      .resolves({ queueUrls: ['https://sqs.us-east-1.amazonaws.com/123456789012/work'] });
    sqs
      .on(GetQueueAttributesCommand)
      .resolves({ Attributes: { QueueArn: 'arn:aws:sqs:us-east-1:123456789012:work-dlq' } });
    sqs.on(StartMessageMoveTaskCommand).resolves({
      TaskHandle:
        'eyJ0YXNrSWQiOiJkYzE2OWUwNC0wZTU1LTQ0ZDItYWE5MC1jMDgwY2ExZjM2ZjciLCJzb3VyY2VBcm4iOiJhcm46YXdzOnNxcyJ9',
    });

    const report = await queues.redrive(QUEUE, { busName: 'pushline-prod' });

    expect(sqs.commandCalls(ListDeadLetterSourceQueuesCommand)[0]!.args[0].input).toEqual({
      QueueUrl: QUEUE,
    });
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]!.args[0].input).toEqual({
      SourceArn: 'arn:aws:sqs:us-east-1:123456789012:work-dlq',
    });
    expect(report).toMatchObject({ mode: 'move-task', replayed: [], skipped: [] });
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
  });
});
