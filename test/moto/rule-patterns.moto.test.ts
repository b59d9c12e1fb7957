import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { matchesPattern } from '../../serverless/event-pattern.ts';
import { DEPLOYED_NAMES, subscriptionOf } from '../../serverless/functions.ts';
import { type GeneratedRule, rulesOf } from '../../serverless/rules.ts';
import { type Moto, startMoto } from '../support/moto.ts';

/**
 * Every EventBridge rule the template generates, put on moto's EventBridge with an SQS queue as its
 * target, and every sample event we have (the pipeline catalogue's and AWS's documented service
 * events) put on the bus the rule listens to: what each queue receives is what EventBridge's
 * routing — moto's implementation of it, not ours — hands that rule's function. Each rule gets
 * exactly the events its function subscribes to, and our own matcher (the one the simulations
 * route with) agrees with it on every pair.
 *
 * (moto does not implement `TestEventPattern`; it does route `PutEvents` through rules to targets.)
 */
const ROOT = new URL('../../', import.meta.url).pathname;
type Json = Record<string, unknown>;

function sampleEvents(): { file: string; event: Json }[] {
  return ['events/samples', 'test/fixtures/aws', 'test/fixtures/codecommit'].flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .filter((f) => f.endsWith('.json'))
      .map((f) => ({
        file: `${dir}/${f}`,
        event: JSON.parse(readFileSync(join(ROOT, dir, f), 'utf8')) as Json,
      }))
      .filter(({ event }) => typeof event['detail-type'] === 'string' && typeof event.source === 'string'),
  );
}

const key = (event: Json) => `${event.source} / ${event['detail-type']}`;

let moto: Moto;
let events: EventBridgeClient;
let sqs: SQSClient;
beforeAll(async () => {
  moto = await startMoto();
  events = new EventBridgeClient(moto.clientConfig);
  sqs = new SQSClient(moto.clientConfig);
});
afterAll(async () => {
  events.destroy();
  sqs.destroy();
  await moto.close();
});

async function queueFor(rule: GeneratedRule, busName: string): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `q-${rule.logicalId}` }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await events.send(
    new PutRuleCommand({
      Name: rule.logicalId,
      EventBusName: busName,
      EventPattern: JSON.stringify(rule.pattern),
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: rule.logicalId,
      EventBusName: busName,
      Targets: [{ Id: 'fn', Arn: Attributes!.QueueArn! }],
    }),
  );
  return QueueUrl!;
}

async function drain(queueUrl: string): Promise<Set<string>> {
  const received = new Set<string>();
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return received;
    for (const message of Messages) received.add(key(JSON.parse(message.Body!) as Json));
  }
}

it('routes each sample to exactly the rules of the functions subscribed to it, on the bus it is put on', async () => {
  const samples = sampleEvents();
  const rules = DEPLOYED_NAMES.flatMap(rulesOf);
  expect(samples.length).toBeGreaterThan(20);
  expect(rules.length).toBeGreaterThan(10);
  await events.send(new CreateEventBusCommand({ Name: 'pushline' }));
  const queues = new Map<GeneratedRule, string>();
  for (const rule of rules) queues.set(rule, await queueFor(rule, rule.bus));

  for (const { event } of samples) {
    const bus = event.source === 'pushline' ? 'pushline' : 'default';
    const { FailedEntryCount } = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: bus,
            Source: String(event.source),
            DetailType: String(event['detail-type']),
            Detail: JSON.stringify(event.detail),
          },
        ],
      }),
    );
    expect(FailedEntryCount).toBe(0);
  }

  for (const [rule, queueUrl] of queues) {
    const sub = subscriptionOf(rule.fn);
    const onItsBus = samples.filter(
      ({ event }) => (event.source === 'pushline') === (rule.bus === 'pushline'),
    );
    const subscribed = onItsBus
      .map(({ event }) => event)
      .filter((event) =>
        rule.bus === 'pushline'
          ? (sub.pipelineEvents ?? []).includes(event['detail-type'] as never)
          : rule.pattern.source.includes(String(event.source)) &&
            rule.pattern['detail-type'].includes(String(event['detail-type'])),
      );
    const ours = onItsBus.map(({ event }) => event).filter((event) => matchesPattern(rule.pattern, event));

    const received = await drain(queueUrl);
    expect({ rule: rule.logicalId, received: [...received].sort() }).toEqual({
      rule: rule.logicalId,
      received: [...new Set(subscribed.map(key))].sort(),
    });
    expect([...new Set(ours.map(key))].sort()).toEqual([...received].sort());
    expect(received.size).toBeGreaterThan(0);
  }
});
