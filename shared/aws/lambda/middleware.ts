import type { MiddlewareObj } from '@middy/core';
import { EventValidationError } from '../../domain/errors.ts';
import type { JsonLogger } from './json-logger.ts';

/** The part of Lambda's context Pushline reads, and the logger the middlewares put on it. */
export interface LoggedContext {
  awsRequestId?: string;
  functionName?: string;
  getRemainingTimeInMillis?: () => number;
  /** This invocation's logger: keyed by the request id, then by the parsed input's keys. */
  logger: JsonLogger;
}

// biome-ignore lint/suspicious/noExplicitAny: middy's types take Lambda's context from `aws-lambda`, not installed here.
type Middleware = MiddlewareObj<any, any, Error, any>;

/**
 * Gives each invocation a logger of its own, keyed by Lambda's request id, as `context.logger`
 * (what Powertools' `injectLambdaContext` does, without loading Powertools).
 */
export function invocationLogger(root: JsonLogger): Middleware {
  return {
    before: (request) => {
      request.context.logger = root.child({ requestId: request.context?.awsRequestId });
    },
  };
}

/**
 * Parses the raw input at the edge (like Powertools' parser middleware): the handler sees the
 * typed value, and the logger gains the keys of what was parsed (`keysOf`). A parser throws an
 * `EventValidationError` naming what is wrong; the invocation then fails (see `logFailure`).
 */
export function parseInput<T>(
  parse: (raw: unknown) => T,
  keysOf?: (parsed: T) => Record<string, unknown>,
): Middleware {
  return {
    before: (request) => {
      const parsed = parse(request.event);
      request.event = parsed;
      if (keysOf) request.context.logger = (request.context.logger as JsonLogger).child(keysOf(parsed));
    },
  };
}

/**
 * Logs a failed invocation once, with its error, and lets the error propagate: Lambda retries the
 * invocation and, after the retries, the event goes to the function's dead-letter queue, where
 * `pushline dlq` lists and redrives it. A malformed input fails the same way: it belongs in the
 * DLQ, not in silence.
 */
export function logFailure(): Middleware {
  return {
    onError: (request) => {
      const logger = request.context?.logger as JsonLogger | undefined;
      const malformed = request.error instanceof EventValidationError;
      logger?.error(malformed ? 'malformed input; not handled' : 'handler failed; Lambda will retry', {
        error: request.error,
      });
    },
  };
}
