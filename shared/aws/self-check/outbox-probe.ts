import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { parsePipelineEvent } from '../../../events/parse.ts';
import type { PipelineEvent } from '../../../events/pipeline-events.ts';
import { logItem } from '../dynamo-items.ts';
import { marshallValue } from '../stream-image.ts';
import { TTL_ATTRIBUTE } from '../table-schema.ts';
import { type CheckContext, failed, type SelfCheck } from './check.ts';
import { CHECK_PROVES } from './descriptions.ts';

/** The pipeline name of a probe: no pipeline file names it, so no stage handler acts on its event. */
export const PROBE_PIPELINE = 'pushline-self-check';

/**
 * The probe's event: a `Build Started` of a run that does not exist. Its only subscriber is
 * notify, which finds no run and announces nothing; no snapshot is written, so no list shows it.
 */
export function probeEvent(probeId: string, at: Date): PipelineEvent {
  return parsePipelineEvent('Build Started', {
    version: 1,
    eventId: `${probeId}-event`,
    runId: probeId,
    pipeline: PROBE_PIPELINE,
    stage: 'build',
    at: at.toISOString(),
    attempt: 1,
    source: {
      provider: 'github',
      repo: 'pushline/self-check',
      ref: 'refs/heads/self-check',
      branch: 'self-check',
      commit: '0000000000000000000000000000000000000000',
      message: 'pushline aws check: outbox probe',
      author: 'pushline aws check',
      pushedAt: at.toISOString(),
    },
    data: { buildId: `${PROBE_PIPELINE}:${probeId}`, logUrl: 'https://example.invalid/self-check' },
  });
}

/**
 * Writes one applied log entry to the table and waits for it on the bus, caught by a temporary
 * rule (matching the probe's run only) into a temporary queue: it proves the whole outbox — the
 * stream, the pipe's filter, the `publish` enrichment, the target's `DetailType`/`Time` paths and
 * the bus — on the real account. Everything it made is removed, whatever happens (and the item
 * carries a one-hour TTL in case even that fails).
 */
export const outboxProbe: SelfCheck = {
  name: 'outbox',
  proves: CHECK_PROVES.outbox,
  async run(context) {
    const made = new Resources(context);
    let result: Awaited<ReturnType<SelfCheck['run']>>;
    try {
      result = await probe(context, made);
    } finally {
      const leftovers = await made.removeAll();
      if (leftovers.length > 0) {
        // biome-ignore lint/correctness/noUnsafeFinally: a probe left behind must be said, whatever the probe found
        return failed(
          `could not remove ${leftovers.join('; ')}`,
          'remove them by hand (their names start with pushline-check-)',
        );
      }
    }
    return result;
  },
};

async function probe(context: CheckContext, made: Resources): ReturnType<SelfCheck['run']> {
  const stack = await context.stack();
  const bus = stack.outputs.EventBusName!;
  const table = stack.outputs.TableName!;
  const event = probeEvent(context.probeId, new Date());
  {
    const queueUrl = await made.queue(`pushline-check-${context.probeId}`);
    await made.rule(`pushline-check-${context.probeId}`, bus, queueUrl, event.detail.runId);
    await made.item(table, event);
    const arrived = await waitForProbe(context, queueUrl, event.detail.eventId);
    if (!arrived) {
      return failed(
        `the probe written to ${table} did not reach ${bus} within ${(context.probeTimeoutMs ?? 60_000) / 1000} s`,
        'check the pipe OutboxPipe is RUNNING (aws pipes describe-pipe), the publish function logs, and the OutboxPipeDeadLetterQueue (pushline dlq list --function outbox)',
      );
    }
    if (arrived.source !== 'pushline' || arrived['detail-type'] !== event.detailType) {
      return failed(
        `the probe arrived as source ${arrived.source}, detail-type ${arrived['detail-type']}`,
        "the pipe's target parameters are not as the template sets them (Source pushline, DetailType $.detailType): deploy again",
      );
    }
    return {
      ok: true,
      detail: `the probe reached ${bus} as ${arrived['detail-type']} from ${arrived.source}`,
    };
  }
}

async function waitForProbe(
  context: CheckContext,
  queueUrl: string,
  eventId: string,
): Promise<{ source?: string; 'detail-type'?: string } | undefined> {
  const deadline = Date.now() + (context.probeTimeoutMs ?? 60_000);
  do {
    const { Messages = [] } = await context.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        // Long polling, but never past the deadline.
        WaitTimeSeconds: Math.max(0, Math.min(5, Math.floor((deadline - Date.now()) / 1000))),
      }),
    );
    for (const message of Messages) {
      const body = JSON.parse(message.Body ?? '{}') as {
        source?: string;
        'detail-type'?: string;
        detail?: { eventId?: string };
      };
      if (body.detail?.eventId === eventId) return body;
    }
    if (Messages.length === 0) await context.sleep(1_000);
  } while (Date.now() < deadline);
  return undefined;
}

/** What the probe creates, and its removal in reverse order, each step on its own. */
class Resources {
  private readonly undo: { what: string; remove: () => Promise<unknown> }[] = [];
  constructor(private readonly context: CheckContext) {}

  async queue(name: string): Promise<string> {
    const { sqs } = this.context.clients;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    this.undo.push({ what: `queue ${name}`, remove: () => sqs.send(new DeleteQueueCommand({ QueueUrl })) });
    return QueueUrl!;
  }

  async rule(name: string, bus: string, queueUrl: string, runId: string): Promise<void> {
    const { events, sqs } = this.context.clients;
    const { RuleArn } = await events.send(
      new PutRuleCommand({
        Name: name,
        EventBusName: bus,
        EventPattern: JSON.stringify({ source: ['pushline'], detail: { runId: [runId] } }),
        Description: 'pushline aws check: catches the outbox probe (removed by the check)',
      }),
    );
    this.undo.push({
      what: `rule ${name}`,
      remove: () => events.send(new DeleteRuleCommand({ Name: name, EventBusName: bus })),
    });
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const queueArn = Attributes?.QueueArn;
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: queueUrl,
        Attributes: {
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'events.amazonaws.com' },
                Action: 'sqs:SendMessage',
                Resource: queueArn,
                Condition: { ArnEquals: { 'aws:SourceArn': RuleArn } },
              },
            ],
          }),
        },
      }),
    );
    await events.send(
      new PutTargetsCommand({ Rule: name, EventBusName: bus, Targets: [{ Id: 'probe', Arn: queueArn }] }),
    );
    this.undo.push({
      what: `the target of rule ${name}`,
      remove: () => events.send(new RemoveTargetsCommand({ Rule: name, EventBusName: bus, Ids: ['probe'] })),
    });
  }

  async item(table: string, event: PipelineEvent): Promise<void> {
    const { dynamodb } = this.context.clients;
    const item = {
      ...logItem(event.detail.runId, {
        seq: 1,
        eventId: event.detail.eventId,
        detailType: event.detailType,
        detail: event.detail,
        disposition: 'applied',
        recordedAt: event.detail.at,
      }),
      [TTL_ATTRIBUTE]: Math.floor(Date.now() / 1000) + 3600,
    };
    const marshalled = (marshallValue(item) as { M: Record<string, never> }).M;
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: marshalled }));
    this.undo.push({
      what: `item ${item.pk} ${item.sk} of ${table}`,
      remove: () =>
        dynamodb.send(
          new DeleteItemCommand({ TableName: table, Key: { pk: marshalled.pk!, sk: marshalled.sk! } }),
        ),
    });
  }

  /** Removes everything, each step on its own; returns what could not be removed. */
  async removeAll(): Promise<string[]> {
    const left: string[] = [];
    for (const step of this.undo.reverse()) {
      await step.remove().catch((error: Error) => left.push(`${step.what} (${error.name})`));
    }
    this.undo.length = 0;
    return left;
  }
}
