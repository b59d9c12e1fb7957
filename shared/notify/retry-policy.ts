import { PushlineError } from '../domain/errors.ts';

/** How `makeNotify` retries a notifier that failed with a retryable error. */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** First backoff; doubles each retry (with jitter). */
  baseDelayMs: number;
  /** The longest wait allowed: a service asking for more (a GitHub reset an hour away) is given up on. */
  maxDelayMs: number;
  /** Waits; tests pass one that records the delays instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); `Math.random` by default. */
  random?: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 20_000 };

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The wait before retry number `retry` (1-based), or `undefined` when the error is not worth
 * retrying or asks for a longer wait than the policy allows. A service's own `retryAfterMs`
 * (Slack's Retry-After, GitHub's rate-limit reset) is a floor, never shortened by the backoff.
 *
 * Notifiers classify what their services say (`TransientError` or not); an error that is not a
 * `PushlineError` at all came from elsewhere (the store, the runtime) and is retried.
 */
export function retryDelay(error: unknown, retry: number, policy: RetryPolicy): number | undefined {
  if (error instanceof PushlineError && !error.retryable) return undefined;
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  const jittered = exponential / 2 + (policy.random ?? Math.random)() * (exponential / 2);
  const asked = error instanceof PushlineError ? error.context.retryAfterMs : undefined;
  if (typeof asked === 'number') return asked > policy.maxDelayMs ? undefined : Math.max(asked, jittered);
  return jittered;
}
