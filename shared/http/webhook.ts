import type { Logger } from '../ports/logger.ts';

/**
 * Framework-neutral webhook types. The local HTTP server and the API Gateway adapter both turn
 * their requests into a `WebhookRequest` and send back a `WebhookResponse`, so the receivers
 * (`makeReceiveGithub`, `makeReceiveGitlab`) never see Node's `http` or a Lambda event.
 */

/** An incoming webhook: header names lower-case, the body as the raw bytes that were signed. */
export interface WebhookRequest {
  headers: Record<string, string | undefined>;
  body: Buffer;
}

/** What to answer: a status code and a JSON body. */
export interface WebhookResponse {
  statusCode: number;
  body: Record<string, unknown>;
}

/** A receiver: never throws, always answers (a failure becomes a 4xx or 5xx response). */
export type WebhookHandler = (request: WebhookRequest) => Promise<WebhookResponse>;

/** The body limit of API requests and Slack's interactions: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * The body limit of a push webhook: GitHub caps its payloads at 25 MB, and the first push of an
 * existing repository (thousands of commits, GitHub lists up to 2048 with their files) is well
 * over a megabyte — a limit below GitHub's would refuse a real push. (On AWS, API Gateway's
 * 10 MB limit comes first.)
 */
export const PUSH_WEBHOOK_MAX_BODY_BYTES = 25 * 1024 * 1024;

/** The logger webhook receivers take (one `Logger` for the whole code base). */
export type WebhookLogger = Logger;

export { silentLogger } from '../ports/logger.ts';

/**
 * Lower-cases header names and joins repeated values, as Node's `IncomingMessage.headers` and API
 * Gateway payload 2.0 already do; use it for anything else (a test, another framework).
 */
export function normaliseHeaders(
  headers: Record<string, string | string[] | undefined> | undefined | null,
): Record<string, string | undefined> {
  const result: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const joined = Array.isArray(value) ? value.join(', ') : value;
    result[key] = result[key] === undefined ? joined : `${result[key]}, ${joined}`;
  }
  return result;
}

/** A header value, trimmed; `undefined` when absent or blank. */
export function header(request: WebhookRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}
