import { describeError, errorResponse } from './error-response.ts';
import type { WebhookHandler, WebhookLogger, WebhookRequest, WebhookResponse } from './webhook.ts';

/**
 * Wraps a receiver so that it never throws: a thrown error becomes its status code (by
 * `errorResponse`) and one log line with the safe context `describe` picks from the request
 * (delivery id, event name) — never a header value that could be a secret, never the body.
 */
export function guardWebhook(
  receive: (request: WebhookRequest) => Promise<WebhookResponse>,
  options: {
    name: string;
    logger: WebhookLogger;
    describe: (request: WebhookRequest) => Record<string, unknown>;
  },
): WebhookHandler {
  const { name, logger, describe } = options;
  return async (request) => {
    try {
      return await receive(request);
    } catch (error) {
      const response = errorResponse(error);
      try {
        const details = {
          statusCode: response.statusCode,
          reason: response.body.error,
          ...describe(request),
          ...(response.statusCode >= 500 ? { error: describeError(error) } : {}),
        };
        if (response.statusCode >= 500) logger.error(`${name} webhook failed`, details);
        else logger.warn(`${name} webhook refused`, details);
      } catch {
        // A logger that fails must not turn a clear answer into a crash.
      }
      return response;
    }
  };
}
