import { describeError } from '../app/error-policy.ts';
import { type RetryOptions, withRetries } from '../app/retry.ts';
import type { Logger } from '../ports/logger.ts';

/**
 * Wraps a local callback (a build's or a deployment's outcome, a canary check) so that a failure
 * is retried as Lambda would retry it on AWS, instead of being dropped (`withRetries`, the same
 * loop and delays as the bus). After the last try `onGiveUp` is told (it notes the failure on the
 * run) and the wrapper resolves — a callback never crashes the process.
 */
export function retrying<A>(
  name: string,
  fn: (arg: A) => Promise<unknown>,
  options: Pick<RetryOptions, 'delaysMs' | 'sleep'> & {
    logger: Logger;
    onGiveUp?: (arg: A, error: unknown) => Promise<void>;
  },
): (arg: A) => Promise<void> {
  return async (arg) => {
    const result = await withRetries(() => fn(arg), {
      ...(options.delaysMs ? { delaysMs: options.delaysMs } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      onRetry: ({ attempt, retryInMs, error }) =>
        options.logger.warn(`${name} failed; retrying`, { attempt, retryInMs, error: describeError(error) }),
    });
    if (result.ok) return;
    options.logger.error(`${name} failed for good`, {
      attempts: result.attempts,
      error: describeError(result.error),
    });
    try {
      await options.onGiveUp?.(arg, result.error);
    } catch (noted) {
      options.logger.error(`${name}: could not note the failure`, { error: describeError(noted) });
    }
  };
}
