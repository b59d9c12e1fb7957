import middy from '@middy/core';
import { parsePipelineEvent } from '../../../events/parse.ts';
import type { PipelineEvent } from '../../../events/pipeline-events.ts';
import { EVENT_SOURCE } from '../../../events/pipeline-events.ts';
import { EventValidationError } from '../../domain/errors.ts';
import type { JsonLogger } from './json-logger.ts';

/** An event as EventBridge hands it to a Lambda target. */
export interface EventBridgeEnvelope {
  id?: string;
  'detail-type': string;
  source: string;
  time?: string;
  detail: unknown;
}

interface LambdaContext {
  awsRequestId?: string;
  functionName?: string;
}

/**
 * Wraps a stage handler as the Lambda handler of an EventBridge rule target: parses the envelope
 * into a typed `PipelineEvent` at the edge (source `pushline`, a known detail-type, its zod
 * schema), gives the handler a logger keyed by the event, and lets errors propagate so that
 * Lambda retries the invocation and, after the retries, sends it to the function's dead-letter
 * queue. A malformed event is logged and thrown too: it belongs in the DLQ, not in silence.
 */
export function pipelineEventHandler(
  logger: JsonLogger,
  handle: (event: PipelineEvent, log: JsonLogger) => Promise<void>,
) {
  return middy(async (envelope: EventBridgeEnvelope, context: LambdaContext) => {
    const log = logger.child({ requestId: context?.awsRequestId, eventBridgeId: envelope.id });
    if (envelope.source !== EVENT_SOURCE) {
      throw new EventValidationError(
        `expected source ${EVENT_SOURCE}, got ${JSON.stringify(envelope.source)}`,
      );
    }
    let event: PipelineEvent;
    try {
      event = parsePipelineEvent(envelope['detail-type'], envelope.detail);
    } catch (error) {
      log.error('malformed pipeline event', { error, detailType: envelope['detail-type'] });
      throw error;
    }
    const eventLog = log.child({
      detailType: event.detailType,
      eventId: event.detail.eventId,
      runId: event.detail.runId,
    });
    try {
      await handle(event, eventLog);
    } catch (error) {
      eventLog.error('handler failed; Lambda will retry', { error });
      throw error;
    }
  });
}
