import { normaliseHeaders, type WebhookRequest, type WebhookResponse } from './webhook.ts';

/** The parts of an API Gateway HTTP API (payload format 2.0) request a webhook needs. */
export interface ApiGatewayV2Event {
  headers?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext?: { requestId?: string; http?: { method?: string; path?: string } };
}

/** The API Gateway HTTP API (payload format 2.0) response. */
export interface ApiGatewayV2Result {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * An API Gateway payload 2.0 event as a `WebhookRequest`: the body back to the exact bytes the
 * sender signed (base64-decoded when API Gateway encoded it), header names lower-cased.
 */
export function fromApiGatewayV2(event: ApiGatewayV2Event): WebhookRequest {
  const raw = event.body ?? '';
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  return { headers: normaliseHeaders(event.headers), body };
}

/** A `WebhookResponse` as an API Gateway payload 2.0 result (JSON). */
export function toApiGatewayV2(response: WebhookResponse): ApiGatewayV2Result {
  return {
    statusCode: response.statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(response.body),
  };
}
