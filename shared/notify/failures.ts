import { PushlineError, TransientError } from '../domain/errors.ts';

/**
 * Turns what a client library threw into Pushline's error tree, so `makeNotify` decides retries
 * by `instanceof`/`retryable` alone: `TransientError` (with `retryAfterMs` when the service said
 * how long to wait) for rate limits, 5xx and network trouble; a plain `PushlineError` for what a
 * retry cannot fix (a bad token, an unknown channel, a 404). Messages never carry secrets.
 */
export function httpFailure(
  service: string,
  status: number | undefined,
  headers: Record<string, string | number | undefined>,
  detail: string,
  now: Date,
): PushlineError {
  const retryAfterMs = retryAfterFromHeaders(headers, now);
  const rateLimited =
    status === 429 ||
    (status === 403 && (retryAfterMs !== undefined || header(headers, 'x-ratelimit-remaining') === '0'));
  if (status === undefined || rateLimited || status === 408 || status >= 500) {
    const what = status === undefined ? 'unreachable' : rateLimited ? 'rate limited' : `HTTP ${status}`;
    return new TransientError(`${service} ${what}: ${detail}`, {
      status,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
  return new PushlineError(`${service} HTTP ${status}: ${detail}`, { status });
}

/**
 * How long a service asked us to wait: `Retry-After` (seconds or an HTTP date), else GitHub's
 * `x-ratelimit-reset` (epoch seconds) when `x-ratelimit-remaining` is 0.
 */
export function retryAfterFromHeaders(
  headers: Record<string, string | number | undefined>,
  now: Date,
): number | undefined {
  const retryAfter = header(headers, 'retry-after');
  if (retryAfter !== undefined) {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now.getTime());
  }
  const reset = header(headers, 'x-ratelimit-reset');
  if (header(headers, 'x-ratelimit-remaining') === '0' && reset && /^\d+$/.test(reset)) {
    return Math.max(0, Number(reset) * 1000 - now.getTime());
  }
  return undefined;
}

const SLACK_TRANSIENT = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

interface SlackLikeError {
  code?: string;
  data?: { error?: string };
  statusCode?: number;
  retryAfter?: number;
  message?: string;
}

/** Classifies an error from `@slack/web-api` (after its own retries) or `@slack/webhook`. */
export function slackFailure(error: unknown, now: Date): PushlineError {
  if (error instanceof PushlineError) return error;
  const e = (error ?? {}) as SlackLikeError;
  switch (e.code) {
    case 'slack_webapi_platform_error': {
      const code = e.data?.error ?? 'unknown_error';
      return SLACK_TRANSIENT.has(code)
        ? new TransientError(`slack: ${code}`, { cause: error })
        : new PushlineError(`slack: ${code}`, { cause: error });
    }
    case 'slack_webapi_rate_limited_error':
      return new TransientError(`slack rate limited for ${e.retryAfter}s`, {
        retryAfterMs: (e.retryAfter ?? 1) * 1000,
      });
    case 'slack_webapi_http_error':
    case 'slack_webhook_http_error':
      return httpFailure('slack', e.statusCode, {}, bodyOf(error), now);
    case 'slack_webapi_request_error':
    case 'slack_webhook_request_error':
      return new TransientError('slack unreachable', { cause: error });
    default: {
      // The WebClient rethrows its last 429 as a plain Error once its own retries are spent.
      const match = /retry-after: (\d+)/.exec(e.message ?? '');
      if (match) return new TransientError('slack rate limited', { retryAfterMs: Number(match[1]) * 1000 });
      return new PushlineError(`slack: ${e.message ?? String(error)}`, { cause: error });
    }
  }
}

function bodyOf(error: unknown): string {
  const body = (error as { body?: unknown }).body;
  const text = typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
  return text.slice(0, 200) || 'no body';
}

function header(headers: Record<string, string | number | undefined>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && value !== undefined) return String(value);
  }
  return undefined;
}
