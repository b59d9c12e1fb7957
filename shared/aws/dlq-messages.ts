import type { Message } from '@aws-sdk/client-sqs';
import type { StreamBatch } from './stream-batch.ts';

/**
 * A message in one of Pushline's dead-letter queues, read. Two producers write there:
 *
 * - Lambda's on-failure destination (an asynchronous invocation that failed all its retries):
 *   the body is an invocation record — `requestContext` (function, condition, attempts),
 *   `requestPayload` (the event), `responsePayload` (the error);
 * - EventBridge, for an event it could not deliver to a rule's target: the body is the event, and
 *   the message attributes `RULE_ARN`, `TARGET_ARN`, `ERROR_CODE`, `ERROR_MESSAGE` say why.
 *
 * - the outbox pipe, for a batch of stream records it gave up on: the body says where the batch
 *   sits in the table's stream (`DDBStreamBatchInfo`: stream, shard, first and last sequence
 *   numbers), not the records — `stream-batch`, replayed by republishing its runs from the table.
 *
 * Anything else is `unknown`: listed, never replayed.
 */
export interface DeadLetter {
  messageId: string;
  receiptHandle: string;
  kind: 'lambda-failure' | 'undelivered-event' | 'stream-batch' | 'unknown';
  /** Where a `stream-batch` sits in the stream. */
  batch?: StreamBatch;
  /** The event (or scheduled task) that failed, as it was sent. */
  payload?: unknown;
  detailType?: string;
  source?: string;
  runId?: string;
  /** The function that failed, or the target that could not be reached. */
  functionArn?: string;
  error?: string;
  /** `RetriesExhausted`, `EventAgeExceeded`… */
  condition?: string;
  sentAt?: string;
  receiveCount?: number;
}

type Json = Record<string, unknown>;

/** Reads one SQS message of a dead-letter queue. Never throws: what it cannot read is `unknown`. */
export function readDeadLetter(message: Message): DeadLetter {
  const attributes = message.MessageAttributes ?? {};
  const attribute = (name: string) => attributes[name]?.StringValue;
  const base: DeadLetter = {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    kind: 'unknown',
    ...sent(message),
  };
  const body = parse(message.Body);
  if (!body) return { ...base, error: 'the message body is not JSON' };

  const batch = streamBatchOf(body.DDBStreamBatchInfo);
  if (batch) {
    const context = (body.requestContext ?? {}) as Json;
    const response = (body.responseContext ?? {}) as Json;
    const error = typeof response.functionError === 'string' ? response.functionError : undefined;
    return {
      ...base,
      kind: 'stream-batch',
      batch,
      ...(typeof context.condition === 'string' ? { condition: context.condition } : {}),
      ...(error ? { error } : {}),
    };
  }

  const context = body.requestContext as Json | undefined;
  if (body.requestPayload !== undefined && context) {
    const response = (body.responsePayload ?? {}) as Json;
    const error = [response.errorType, response.errorMessage].filter((v) => typeof v === 'string').join(': ');
    return {
      ...base,
      kind: 'lambda-failure',
      payload: body.requestPayload,
      ...describe(body.requestPayload),
      ...(typeof context.functionArn === 'string' ? { functionArn: unqualified(context.functionArn) } : {}),
      ...(error ? { error } : {}),
      ...(typeof context.condition === 'string' ? { condition: context.condition } : {}),
    };
  }
  const target = attribute('TARGET_ARN');
  if (target || attribute('RULE_ARN')) {
    const error = [attribute('ERROR_CODE'), attribute('ERROR_MESSAGE')].filter(Boolean).join(': ');
    const condition = attribute('EXHAUSTED_RETRY_CONDITION');
    return {
      ...base,
      kind: 'undelivered-event',
      payload: body,
      ...describe(body),
      ...(target ? { functionArn: target } : {}),
      ...(error ? { error } : {}),
      ...(condition ? { condition } : {}),
    };
  }
  return { ...base, payload: body, ...describe(body) };
}

function streamBatchOf(info: unknown): StreamBatch | undefined {
  if (!info || typeof info !== 'object') return undefined;
  const { streamArn, shardId, startSequenceNumber, endSequenceNumber, batchSize } = info as Json;
  if (![streamArn, shardId, startSequenceNumber, endSequenceNumber].every((v) => typeof v === 'string' && v))
    return undefined;
  return {
    streamArn: String(streamArn),
    shardId: String(shardId),
    startSequenceNumber: String(startSequenceNumber),
    endSequenceNumber: String(endSequenceNumber),
    ...(typeof batchSize === 'number' ? { batchSize } : {}),
  };
}

/** The detail-type, source and run of an EventBridge event, or the run of a scheduled task. */
function describe(payload: unknown): Pick<DeadLetter, 'detailType' | 'source' | 'runId'> {
  if (!payload || typeof payload !== 'object') return {};
  const event = payload as Json;
  const detail = (event.detail ?? event) as Json;
  return {
    ...(typeof event['detail-type'] === 'string' ? { detailType: event['detail-type'] } : {}),
    ...(typeof event.kind === 'string' ? { detailType: `task ${event.kind}` } : {}),
    ...(typeof event.source === 'string' ? { source: event.source } : {}),
    ...(typeof detail?.runId === 'string' ? { runId: detail.runId } : {}),
  };
}

function sent(message: Message): Pick<DeadLetter, 'sentAt' | 'receiveCount'> {
  const system = message.Attributes ?? {};
  const at = Number(system.SentTimestamp);
  const count = Number(system.ApproximateReceiveCount);
  return {
    ...(Number.isFinite(at) && at > 0 ? { sentAt: new Date(at).toISOString() } : {}),
    ...(Number.isFinite(count) && count > 0 ? { receiveCount: count } : {}),
  };
}

function parse(body: string | undefined): Json | undefined {
  try {
    const value: unknown = JSON.parse(body ?? '');
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** `…:function:name:$LATEST` → `…:function:name` (Invoke takes either; the bare ARN reads better). */
function unqualified(arn: string): string {
  return arn.replace(/:\$LATEST$/, '');
}
