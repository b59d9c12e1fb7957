import type { PipelineEvent } from '../../events/pipeline-events.ts';
import { NotFoundError, PushlineError, ValidationError } from '../domain/errors.ts';
import type { Run } from '../domain/run.ts';
import type { Logger } from '../ports/logger.ts';
import { type EndDeps, finishRun } from './end-run.ts';

/**
 * What a failed handler means, decided in one place for both modes:
 *
 * - **retry**: an error is worth another try unless it says otherwise (a `PushlineError` that is
 *   not `retryable`: bad input, a bad pipeline file). Local mode's bus and callbacks retry by it;
 *   on AWS, Lambda retries every thrown error, and the bus's rule sends it to the dead-letter queue.
 * - **dead letter**: after the last try the failure is kept where a person sees it (a note on the
 *   run locally, the function's dead-letter queue on AWS).
 * - **end the run**: a stage that cannot start because of the pipeline file or the account (a
 *   `ValidationError` or a `NotFoundError`) cannot succeed on a retry either; the run ends `failed`
 *   with the reason instead of waiting for the watchdog (`endRunOnPermanentError`).
 */
export function isRetryable(error: unknown): boolean {
  return !(error instanceof PushlineError) || error.retryable;
}

/** A stage that failed with this error will fail again: the run ends instead. */
export function isPermanent(error: unknown): error is ValidationError | NotFoundError {
  return error instanceof ValidationError || error instanceof NotFoundError;
}

/** The message of anything thrown. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface EndRunOptions {
  /** What could not be done, as the run's reason says it: `staging could not be deployed`. */
  what: string;
  /** The run must still be where the handler left it (another handler may have moved it on). */
  stillApplies: (fresh: Run) => boolean;
  /** Only events of these detail-types end the run (others throw as usual). Default: every one. */
  only?: readonly PipelineEvent['detailType'][];
}

/**
 * Wraps a stage handler so that a permanent error (`isPermanent`) ends the run `failed` with
 * `<what>: <message>`, while `stillApplies` holds on the freshly read run; any other error is
 * thrown, for a retry. Both modes wrap deploy-staging and start-canary with it.
 */
export function endRunOnPermanentError<C extends { logger?: Logger } | undefined>(
  deps: EndDeps,
  handle: (event: PipelineEvent, context?: C) => Promise<void>,
  options: EndRunOptions,
): (event: PipelineEvent, context?: C) => Promise<void> {
  return async (event, context) => {
    try {
      await handle(event, context);
    } catch (error) {
      if (!isPermanent(error)) throw error;
      if (options.only && !options.only.includes(event.detailType)) throw error;
      context?.logger?.error(`${options.what}; ending the run`, { error: describeError(error) });
      const { runId, attempt } = event.detail;
      await finishRun(
        deps,
        { id: runId, attempt },
        'failed',
        `${options.what}: ${error.message}`,
        options.stillApplies,
      );
    }
  };
}
