import middy from '@middy/core';
import type { PipelineEvent } from '../../../events/pipeline-events.ts';
import type { Logger } from '../../ports/logger.ts';
import type { JsonLogger } from './json-logger.ts';
import { pipelineEnvelope, pipelineEventKeys } from './lambda-inputs.ts';
import { invocationLogger, type LoggedContext, logFailure, parseInput } from './middleware.ts';

/**
 * A Pushline Lambda handler, the same middy stack for every function: a logger per invocation
 * (`context.logger`), the input parsed at the edge by `parse` (its keys added to the logger), and
 * a failure logged once and thrown for Lambda's retries and the dead-letter queue. `handle` gets
 * the typed input and the context.
 */
export function lambdaHandler<T, R = void>(
  logger: JsonLogger,
  parse: (raw: unknown) => T,
  handle: (input: T, context: LoggedContext) => Promise<R>,
  keysOf?: (input: T) => Record<string, unknown>,
) {
  // biome-ignore lint/suspicious/noExplicitAny: the parsed input replaces the raw one (see parseInput).
  return middy<any, R, Error, any>()
    .use(invocationLogger(logger))
    .use(parseInput(parse, keysOf))
    .use(logFailure())
    .handler((input: T, context: LoggedContext) => handle(input, context));
}

/** A stage handler's reaction to a pipeline event (`StageHandler`; shared/ does not import functions/). */
type OnPipelineEvent = (event: PipelineEvent, context?: { logger?: Logger }) => Promise<void>;

/**
 * The Lambda handler of an EventBridge rule on the Pushline bus: the envelope parsed into a typed
 * `PipelineEvent` (source `pushline`, a known detail-type, its zod schema), handed to the stage
 * handler with a logger keyed by the request and the event.
 */
export function pipelineEventLambda(logger: JsonLogger, onEvent: OnPipelineEvent) {
  return lambdaHandler(
    logger,
    pipelineEnvelope,
    (event, context) => onEvent(event, { logger: context.logger }),
    pipelineEventKeys,
  );
}
