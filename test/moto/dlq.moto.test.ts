import { readFileSync } from 'node:fs';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { DeadLetterQueues } from '../../shared/aws/dlq.ts';
import { type Moto, startMoto } from '../support/moto.ts';

/**
 * Dead-letter listing and redrive against moto's SQS, with the messages as Lambda's on-failure
 * destination and EventBridge's rule DLQ write them (test/fixtures/aws/sqs-receive-message-dead-letters.json:
 * an invocation record; an event with the RULE_ARN / TARGET_ARN / ERROR_CODE message attributes):
 * listed without being consumed, then replayed onto a moto bus, where a rule into a queue sees them.
 */
let moto: Moto;
let sqs: SQSClient;
let events: EventBridgeClient;
let lambda: LambdaClient;
beforeAll(async () => {
  moto = await startMoto();
  sqs = new SQSClient(moto.clientConfig);
  events = new EventBridgeClient(moto.clientConfig);
  lambda = new LambdaClient(moto.clientConfig);
});
afterAll(async () => {
  for (const client of [sqs, events, lambda]) client.destroy();
  await moto.close();
});

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/aws/sqs-receive-message-dead-letters.json', import.meta.url), 'utf8'),
) as { Messages: { Body: string }[] };

it('lists the dead letters of a function without consuming them, then replays its pipeline events on the bus', async () => {
  await events.send(new CreateEventBusCommand({ Name: 'pushline-moto' }));
  const observer = (await sqs.send(new CreateQueueCommand({ QueueName: 'observer' }))).QueueUrl!;
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: observer, AttributeNames: ['QueueArn'] }),
  );
  await events.send(
    new PutRuleCommand({
      Name: 'all',
      EventBusName: 'pushline-moto',
      EventPattern: JSON.stringify({ source: ['pushline'] }),
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: 'all',
      EventBusName: 'pushline-moto',
      Targets: [{ Id: 'q', Arn: Attributes!.QueueArn! }],
    }),
  );
  const dlq = (
    await sqs.send(new CreateQueueCommand({ QueueName: 'pushline-moto-DeployStagingDeadLetterQueue-4RZ3' }))
  ).QueueUrl!;
  const lambdaFailure = fixture.Messages[0]!.Body;
  const undelivered = JSON.parse(lambdaFailure).requestPayload;
  undelivered.detail.eventId = '01JP9ZWM8JRRE14A68R3M6P9G2';
  await sqs.send(new SendMessageCommand({ QueueUrl: dlq, MessageBody: lambdaFailure }));
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: dlq,
      MessageBody: JSON.stringify(undelivered),
      MessageAttributes: {
        RULE_ARN: {
          DataType: 'String',
          StringValue: 'arn:aws:events:eu-west-1:123456789012:rule/pushline-moto/deploy-staging',
        },
        TARGET_ARN: {
          DataType: 'String',
          StringValue: 'arn:aws:lambda:eu-west-1:123456789012:function:pushline-moto-deploy-staging',
        },
        ERROR_CODE: { DataType: 'String', StringValue: 'SDK_CLIENT_ERROR' },
        ERROR_MESSAGE: { DataType: 'String', StringValue: 'Lambda is throttled' },
      },
    }),
  );
  const queues = new DeadLetterQueues({ sqs, events, lambda });

  expect(await queues.queues('pushline-moto')).toEqual([
    { name: 'pushline-moto-DeployStagingDeadLetterQueue-4RZ3', url: dlq, messages: 2 },
  ]);
  const listed = await queues.list(await queues.queueUrlOf('pushline-moto', 'deploy-staging'));
  expect(listed.map((l) => [l.kind, l.detailType, l.runId, l.error]).sort()).toEqual([
    [
      'lambda-failure',
      'Tests Passed',
      '01JP9ZMQ6R7C0VV1EG6MGAF6HH',
      expect.stringContaining('TransientError'),
    ],
    [
      'undelivered-event',
      'Tests Passed',
      '01JP9ZMQ6R7C0VV1EG6MGAF6HH',
      'SDK_CLIENT_ERROR: Lambda is throttled',
    ],
  ]);
  // Listing left both in the queue, visible again at once.
  expect((await queues.list(dlq)).length).toBe(2);

  const report = await queues.redrive(dlq, { busName: 'pushline-moto' });

  expect(report).toMatchObject({ mode: 'replay', skipped: [] });
  expect(report.replayed).toHaveLength(2);
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: observer, MaxNumberOfMessages: 10 }),
  );
  expect(Messages.map((m) => JSON.parse(m.Body!).detail.eventId).sort()).toEqual([
    '01JP9ZWM8JRRE14A68R3M6P9G1',
    '01JP9ZWM8JRRE14A68R3M6P9G2',
  ]);
  expect(await queues.queues('pushline-moto')).toEqual([
    { name: 'pushline-moto-DeployStagingDeadLetterQueue-4RZ3', url: dlq, messages: 0 },
  ]);
});
