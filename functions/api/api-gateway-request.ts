import { type ApiGatewayV2Event, fromApiGatewayV2 } from '../../shared/http/api-gateway.ts';
import type { ApiRequest } from './router.ts';

/** The parts of an API Gateway HTTP API (payload format 2.0) event the API reads besides a webhook's. */
export interface ApiGatewayV2RouteEvent extends ApiGatewayV2Event {
  rawPath?: string;
  rawQueryString?: string;
}

/**
 * An API Gateway payload 2.0 event as an `ApiRequest`: the method from the request context, the
 * path as sent (`rawPath`: the `$default` stage adds no prefix), the query from `rawQueryString`
 * (repeated keys kept, which `queryStringParameters` joins with commas), headers lower-cased and
 * the body decoded (fromApiGatewayV2).
 */
export function fromApiGatewayRoute(event: ApiGatewayV2RouteEvent): ApiRequest {
  const { headers, body } = fromApiGatewayV2(event);
  return {
    method: event.requestContext?.http?.method ?? 'GET',
    path: event.rawPath ?? event.requestContext?.http?.path ?? '/',
    query: new URLSearchParams(event.rawQueryString ?? ''),
    headers,
    body,
  };
}
