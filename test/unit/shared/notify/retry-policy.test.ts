import { describe, expect, it } from '@jest/globals';
import { PushlineError, TransientError } from '../../../../shared/domain/errors.ts';
import { httpFailure, retryAfterFromHeaders, slackFailure } from '../../../../shared/notify/failures.ts';
import { retryDelay } from '../../../../shared/notify/retry-policy.ts';

const NOW = new Date('2025-03-04T10:00:00Z');
const POLICY = { attempts: 4, baseDelayMs: 100, maxDelayMs: 10_000, random: () => 0.5 };

describe('retryAfterFromHeaders', () => {
  it('reads Retry-After in seconds or as a date, and GitHub’s rate-limit reset', () => {
    expect(retryAfterFromHeaders({ 'Retry-After': '7' }, NOW)).toBe(7000);
    expect(retryAfterFromHeaders({ 'retry-after': 'Tue, 04 Mar 2025 10:00:30 GMT' }, NOW)).toBe(30_000);
    const reset = String(NOW.getTime() / 1000 + 42);
    expect(retryAfterFromHeaders({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }, NOW)).toBe(
      42_000,
    );
    expect(
      retryAfterFromHeaders({ 'x-ratelimit-remaining': '12', 'x-ratelimit-reset': reset }, NOW),
    ).toBeUndefined();
  });
});

describe('httpFailure', () => {
  it('makes rate limits, 5xx and timeouts transient and the rest permanent', () => {
    expect(httpFailure('github', 429, {}, 'x', NOW)).toBeInstanceOf(TransientError);
    expect(httpFailure('github', 403, { 'x-ratelimit-remaining': '0' }, 'x', NOW)).toBeInstanceOf(
      TransientError,
    );
    expect(httpFailure('github', 503, {}, 'x', NOW)).toBeInstanceOf(TransientError);
    expect(httpFailure('github', undefined, {}, 'x', NOW)).toBeInstanceOf(TransientError);
    const forbidden = httpFailure('github', 403, {}, 'Resource not accessible by integration', NOW);
    expect(forbidden.retryable).toBe(false);
    expect(forbidden.message).toBe('github HTTP 403: Resource not accessible by integration');
  });
});

describe('slackFailure', () => {
  it('classifies Slack platform errors by their code', () => {
    const platform = (error: string) =>
      Object.assign(new Error(error), { code: 'slack_webapi_platform_error', data: { ok: false, error } });
    expect(slackFailure(platform('ratelimited'), NOW).retryable).toBe(true);
    expect(slackFailure(platform('invalid_auth'), NOW).retryable).toBe(false);
    expect(
      slackFailure(new Error('A rate limit was exceeded (url: x, retry-after: 3)'), NOW).context,
    ).toEqual({ retryAfterMs: 3000 });
  });
});

describe('retryDelay', () => {
  it('backs off exponentially, never below what the service asked, and gives up past the limit', () => {
    const transient = new TransientError('flaky');
    expect([1, 2, 3].map((n) => retryDelay(transient, n, POLICY))).toEqual([75, 150, 300]);
    expect(retryDelay(new TransientError('slow down', { retryAfterMs: 2000 }), 1, POLICY)).toBe(2000);
    expect(retryDelay(new TransientError('slow down', { retryAfterMs: 60_000 }), 1, POLICY)).toBeUndefined();
    expect(retryDelay(new PushlineError('bad token'), 1, POLICY)).toBeUndefined();
    expect(retryDelay(new Error('socket hang up'), 1, POLICY)).toBe(75);
  });
});
