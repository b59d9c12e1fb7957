import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { NotFoundError } from '../domain/errors.ts';
import { type DeadLetter, readDeadLetter } from './dlq-messages.ts';
import type { StreamBatch } from './stream-batch.ts';

export { type DeadLetter, readDeadLetter } from './dlq-messages.ts';

/** What a redrive did: SQS's own move task, or each message replayed (and the ones it could not). */
export interface RedriveReport {
  mode: 'move-task' | 'replay';
  taskHandle?: string;
  replayed: DeadLetter[];
  skipped: { letter: DeadLetter; reason: string }[];
}

/** A dead-letter queue of the stack and how many messages wait in it. */
export interface QueueSummary {
  name: string;
  url: string;
  messages: number;
}

/** Listing hides a message this long, so the next receive returns others; then it is released. */
const LIST_VISIBILITY_SECONDS = 30;
const REDRIVE_VISIBILITY_SECONDS = 120;
const BATCH = 10;

/** `finish-deployment` → `FinishDeployment`, as serverless/functions.ts names the function's resources. */
function stemOf(name: string): string {
  if (name === 'outbox') return 'OutboxPipe';
  return name
    .split(/[^A-Za-z0-9]/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/**
 * Pushline's dead-letter queues: what failed all its retries, and replaying it.
 *
 * `list` receives without deleting (and releases what it received at once). `redrive` uses SQS's
 * own `StartMessageMoveTask` when the queue is the DLQ of SQS queues; Pushline's queues are the
 * DLQs of Lambda and EventBridge instead, so their messages are replayed one by one: a pipeline
 * event is put on the Pushline bus again (every handler is idempotent by event id, so the
 * subscribers that had handled it do nothing new); an AWS service event or a scheduled task,
 * which PutEvents cannot carry (`aws.*` sources are reserved), is sent to the function that
 * failed, asynchronously; a batch the outbox pipe gave up on (stream coordinates only) has its
 * runs read from the stream and republished from the table (`moveStreamBatch`). A message is
 * deleted only once replayed.
 */
export class DeadLetterQueues {
  private readonly sqs: SQSClient;
  private readonly events: EventBridgeClient;
  private readonly lambda: LambdaClient;

  private readonly moveStreamBatch?: (batch: StreamBatch) => Promise<string | undefined>;

  /**
   * `moveStreamBatch` replays a pipe dead letter (its runs republished from the table; see
   * cli/commands/dlq.ts): it returns why it could not, or `undefined` when it did.
   */
  constructor(clients: {
    sqs: SQSClient;
    events: EventBridgeClient;
    lambda: LambdaClient;
    moveStreamBatch?: (batch: StreamBatch) => Promise<string | undefined>;
  }) {
    this.sqs = clients.sqs;
    this.events = clients.events;
    this.lambda = clients.lambda;
    this.moveStreamBatch = clients.moveStreamBatch;
  }

  /** The stack's dead-letter queues (CloudFormation names them `<stack>-<Stem>DeadLetterQueue-<suffix>`). */
  async queues(stack: string, functionName?: string): Promise<QueueSummary[]> {
    const prefix = `${stack}-${functionName ? `${stemOf(functionName)}DeadLetterQueue` : ''}`;
    const urls: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.sqs.send(
        new ListQueuesCommand({ QueueNamePrefix: prefix, ...(NextToken ? { NextToken } : {}) }),
      );
      urls.push(...(page.QueueUrls ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    const summaries: QueueSummary[] = [];
    for (const url of urls.filter((u) => /DeadLetterQueue/.test(u.split('/').pop() ?? ''))) {
      const { Attributes = {} } = await this.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
      );
      summaries.push({
        name: url.split('/').pop()!,
        url,
        messages: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      });
    }
    return summaries;
  }

  /** The URL of a function's dead-letter queue, or a `NotFoundError` saying what was looked for. */
  async queueUrlOf(stack: string, functionName: string): Promise<string> {
    const [queue, ...others] = await this.queues(stack, functionName);
    if (!queue || others.length > 0) {
      throw new NotFoundError(
        `${queue ? 'several queues' : 'no queue'} named ${stack}-${stemOf(functionName)}DeadLetterQueue-…` +
          ' (is the stack deployed under that name? --stack, --stage or --queue-url choose another)',
      );
    }
    return queue.url;
  }

  /** Up to `max` messages of the queue, read and left in it. */
  async list(queueUrl: string, { max = 100 } = {}): Promise<DeadLetter[]> {
    const received = await this.receive(queueUrl, max, LIST_VISIBILITY_SECONDS);
    await this.release(queueUrl, received);
    return received.map(readDeadLetter);
  }

  /** Replays up to `max` messages (see the class), or starts SQS's move task back to the sources. */
  async redrive(
    queueUrl: string,
    { busName, max = 100 }: { busName: string; max?: number },
  ): Promise<RedriveReport> {
    const { queueUrls = [] } = await this.sqs.send(
      new ListDeadLetterSourceQueuesCommand({ QueueUrl: queueUrl }),
    );
    if (queueUrls.length > 0) {
      const { Attributes = {} } = await this.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
      );
      const { TaskHandle } = await this.sqs.send(
        new StartMessageMoveTaskCommand({ SourceArn: Attributes.QueueArn }),
      );
      return {
        mode: 'move-task',
        ...(TaskHandle ? { taskHandle: TaskHandle } : {}),
        replayed: [],
        skipped: [],
      };
    }
    const report: RedriveReport = { mode: 'replay', replayed: [], skipped: [] };
    const letters = (await this.receive(queueUrl, max, REDRIVE_VISIBILITY_SECONDS)).map(readDeadLetter);
    for (const letter of letters) {
      const reason = await this.replay(letter, busName);
      if (reason) report.skipped.push({ letter, reason });
      else report.replayed.push(letter);
    }
    await this.delete(queueUrl, report.replayed);
    // What could not be replayed stays in the queue, visible again at once.
    await this.release(
      queueUrl,
      report.skipped.map((s) => s.letter),
    );
    return report;
  }

  /** Replays one letter; returns why it could not, or `undefined` when it did. */
  private async replay(letter: DeadLetter, busName: string): Promise<string | undefined> {
    if (letter.kind === 'stream-batch' && letter.batch) {
      return this.moveStreamBatch
        ? this.moveStreamBatch(letter.batch)
        : 'a batch of the outbox stream: nothing configured to republish its runs';
    }
    const event = letter.payload as
      | { source?: unknown; 'detail-type'?: unknown; detail?: unknown }
      | undefined;
    if (event?.source === 'pushline' && typeof event['detail-type'] === 'string') {
      const { FailedEntryCount, Entries = [] } = await this.events.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: busName,
              Source: 'pushline',
              DetailType: event['detail-type'],
              Detail: JSON.stringify(event.detail),
            },
          ],
        }),
      );
      if (FailedEntryCount)
        return `PutEvents refused it: ${Entries[0]?.ErrorCode}: ${Entries[0]?.ErrorMessage}`;
      return undefined;
    }
    if (letter.payload !== undefined && letter.functionArn?.includes(':function:')) {
      const { StatusCode, FunctionError } = await this.lambda.send(
        new InvokeCommand({
          FunctionName: letter.functionArn,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify(letter.payload)),
        }),
      );
      return StatusCode === 202 && !FunctionError
        ? undefined
        : `Invoke answered ${StatusCode} ${FunctionError ?? ''}`.trim();
    }
    return letter.kind === 'unknown'
      ? 'not a failed invocation or an undelivered event: nothing to replay it to'
      : 'no function to send it to';
  }

  private async receive(queueUrl: string, max: number, visibility: number): Promise<Message[]> {
    const seen = new Map<string, Message>();
    while (seen.size < max) {
      const { Messages = [] } = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(BATCH, max - seen.size),
          VisibilityTimeout: visibility,
          // Long polling asks every SQS server; a short poll may miss messages that are there.
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
      );
      const fresh = Messages.filter((m) => m.MessageId && !seen.has(m.MessageId));
      if (fresh.length === 0) break;
      for (const message of fresh) seen.set(message.MessageId!, message);
    }
    return [...seen.values()];
  }

  private async release(
    queueUrl: string,
    messages: readonly { ReceiptHandle?: string; receiptHandle?: string }[],
  ) {
    const handles = messages.map((m) => m.ReceiptHandle ?? m.receiptHandle).filter((h): h is string => !!h);
    for (let i = 0; i < handles.length; i += BATCH) {
      const Entries = handles
        .slice(i, i + BATCH)
        .map((ReceiptHandle, n) => ({ Id: `m${i + n}`, ReceiptHandle, VisibilityTimeout: 0 }));
      await this.sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries }));
    }
  }

  private async delete(queueUrl: string, letters: readonly DeadLetter[]) {
    for (let i = 0; i < letters.length; i += BATCH) {
      const Entries = letters
        .slice(i, i + BATCH)
        .map((l, n) => ({ Id: `m${i + n}`, ReceiptHandle: l.receiptHandle }));
      await this.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries }));
    }
  }
}
