import type { Logger } from '../../ports/logger.ts';
import type { JsonLogger } from './json-logger.ts';

/** The part of Lambda's context object the logger keys entries by. */
export interface InvocationContext {
  awsRequestId?: string;
}

/**
 * A logger handed to code built once at cold start (a receiver's `make<Name>`) whose entries
 * still carry the current invocation's request id: `begin(context)` at the start of each
 * invocation re-keys it. Lambda runs one invocation at a time per instance, so one current
 * logger is enough. What Powertools' `injectLambdaContext` did for the receivers, without
 * loading Powertools.
 */
export class InvocationLogger implements Logger {
  private current: JsonLogger;

  constructor(private readonly base: JsonLogger) {
    this.current = base;
  }

  /** Keys the entries of the invocation that starts by its request id. */
  begin(context: InvocationContext | undefined): void {
    this.current = this.base.child({ requestId: context?.awsRequestId });
  }

  info(message: string, extra?: Record<string, unknown>): void {
    this.current.info(message, extra);
  }

  warn(message: string, extra?: Record<string, unknown>): void {
    this.current.warn(message, extra);
  }

  error(message: string, extra?: Record<string, unknown>): void {
    this.current.error(message, extra);
  }
}
