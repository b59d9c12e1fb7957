import {
  ConflictError,
  ForbiddenError,
  MissingSecretError,
  NotFoundError,
  PayloadTooLargeError,
  PushlineError,
  ValidationError,
  WebhookSignatureError,
} from '../domain/errors.ts';
import type { WebhookResponse } from './webhook.ts';

/**
 * The one place that maps Pushline's errors to HTTP status codes, by `instanceof`:
 * signature → 401, too large → 413, not allowed → 403, does not fit the run → 409, bad input → 400, missing → 404, worth retrying → 503,
 * a secret not configured → 503 (the service is not ready; its message says what to set),
 * anything else → 500.
 */
export function statusForError(error: unknown): number {
  if (error instanceof WebhookSignatureError) return 401;
  if (error instanceof MissingSecretError) return 503;
  if (error instanceof PayloadTooLargeError) return 413;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof ConflictError) return 409;
  if (error instanceof ValidationError) return 400;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof PushlineError && error.retryable) return 503;
  return 500;
}

/**
 * An error as a response. The message is shown only when the error says it is safe
 * (`expose`); otherwise the caller learns the status and nothing of the internals.
 */
export function errorResponse(error: unknown): WebhookResponse {
  const statusCode = statusForError(error);
  const exposed = error instanceof PushlineError && error.expose;
  const message = exposed
    ? error.message
    : statusCode === 503
      ? 'a dependency is unavailable; try again'
      : 'internal error';
  // A conflict says what state the run is in, so the caller sees why the action did not fit.
  const state = error instanceof ConflictError ? error.context.run : undefined;
  return { statusCode, body: { error: message, ...(state ? { run: state } : {}) } };
}

/** An unexpected error for the log: its name and message, never a request's headers or body. */
export function describeError(error: unknown): { name: string; message: string } {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'unknown', message: String(error) };
}
