import { isRetryable } from './error-policy.ts';

/** The waits before each retry of local work (a bus delivery, a callback): 0.2 s, 1 s, 5 s. */
export const LOCAL_RETRY_DELAYS_MS: readonly number[] = [200, 1000, 5000];

export interface RetryOptions {
  /** Waits before each retry; its length is the number of retries. */
  delaysMs?: readonly number[];
  sleep?: (ms: number) => Promise<void>;
  /** Told before each wait (to log it). */
  onRetry?: (failure: { attempt: number; retryInMs: number; error: unknown }) => void;
}

/** How `withRetries` ended: done, or given up after `attempts` tries with the last error. */
export type RetryResult = { ok: true; attempts: number } | { ok: false; attempts: number; error: unknown };

export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` until it succeeds, retrying after each of `delaysMs` while the error is worth a
 * retry (`isRetryable`: not a `PushlineError` that says retrying cannot help). Never throws: the
 * caller decides what giving up means (the bus notes a dead letter on the run). The one retry loop
 * of local mode, as Lambda's retries are AWS mode's.
 */
export async function withRetries(
  work: (attempt: number) => Promise<unknown>,
  options: RetryOptions = {},
): Promise<RetryResult> {
  const delays = options.delaysMs ?? LOCAL_RETRY_DELAYS_MS;
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      await work(attempt);
      return { ok: true, attempts: attempt };
    } catch (error) {
      const delay = delays[attempt - 1];
      if (!isRetryable(error) || delay === undefined) return { ok: false, attempts: attempt, error };
      options.onRetry?.({ attempt, retryInMs: delay, error });
      await sleep(delay);
    }
  }
}
