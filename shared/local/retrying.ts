import { PushlineError } from '../domain/errors.ts';
import type { Logger } from '../ports/logger.ts';

/** The waits before each retry of a local callback: the same as the bus's. */
export const LOCAL_RETRY_DELAYS_MS: readonly number[] = [200, 1000, 5000];

/**
 * Wraps a local callback (a build's or a deployment's outcome, a canary check) so that a failure
 * is retried as Lambda would retry it on AWS, instead of being dropped: after each of `delaysMs`,
 * unless the error says retrying cannot help (a `PushlineError` that is not `retryable`). After the
 * last try `onGiveUp` is told (it notes the failure on the run) and the wrapper resolves — a
 * callback never crashes the process.
 */
export function retrying<A>(
  name: string,
  fn: (arg: A) => Promise<unknown>,
  options: {
    logger: Logger;
    onGiveUp?: (arg: A, error: unknown) => Promise<void>;
    delaysMs?: readonly number[];
    sleep?: (ms: number) => Promise<void>;
  },
): (arg: A) => Promise<void> {
  const delays = options.delaysMs ?? LOCAL_RETRY_DELAYS_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return async (arg) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await fn(arg);
        return;
      } catch (error) {
        const retryable = !(error instanceof PushlineError) || error.retryable;
        const delay = delays[attempt - 1];
        if (retryable && delay !== undefined) {
          options.logger.warn(`${name} failed; retrying`, {
            attempt,
            retryInMs: delay,
            error: String(error),
          });
          await sleep(delay);
          continue;
        }
        options.logger.error(`${name} failed for good`, { attempts: attempt, error: String(error) });
        try {
          await options.onGiveUp?.(arg, error);
        } catch (noted) {
          options.logger.error(`${name}: could not note the failure`, { error: String(noted) });
        }
        return;
      }
    }
  };
}
