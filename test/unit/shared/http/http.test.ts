import { describe, expect, it } from '@jest/globals';
import {
  ConcurrencyError,
  ConfigError,
  MissingSecretError,
  NotFoundError,
  PayloadTooLargeError,
  PushlineError,
  TransientError,
  ValidationError,
  WebhookSignatureError,
} from '../../../../shared/domain/errors.ts';
import { fromApiGatewayV2, toApiGatewayV2 } from '../../../../shared/http/api-gateway.ts';
import { errorResponse, statusForError } from '../../../../shared/http/error-response.ts';
import { normaliseHeaders } from '../../../../shared/http/webhook.ts';

describe('statusForError', () => {
  it.each([
    [new WebhookSignatureError('x'), 401],
    [new PayloadTooLargeError('x'), 413],
    [new ValidationError('x'), 400],
    [new ConfigError('x', []), 400],
    [new NotFoundError('x'), 404],
    [new TransientError('x'), 503],
    [new ConcurrencyError('x'), 503],
    [new MissingSecretError('x'), 503],
    [new PushlineError('x'), 500],
    [new TypeError('x'), 500],
    ['a string', 500],
  ])('maps %p to %p', (error, status) => {
    expect(statusForError(error)).toBe(status);
  });
});

describe('errorResponse', () => {
  it('shows the message of an error that may be shown and hides any other', () => {
    expect(errorResponse(new ValidationError('body is not JSON'))).toEqual({
      statusCode: 400,
      body: { error: 'body is not JSON' },
    });
    expect(errorResponse(new Error('connect ECONNREFUSED 10.0.0.7:5432'))).toEqual({
      statusCode: 500,
      body: { error: 'internal error' },
    });
    expect(errorResponse(new TransientError('table throttled')).body.error).toBe(
      'a dependency is unavailable; try again',
    );
  });
});

describe('fromApiGatewayV2', () => {
  it('restores the exact bytes of a base64-encoded body and lower-cases header names', () => {
    const bytes = Buffer.from([0x7b, 0xe2, 0x82, 0xac, 0x7d, 0xff]);

    const request = fromApiGatewayV2({
      headers: { 'X-GitHub-Event': 'push' },
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    });

    expect(request.body.equals(bytes)).toBe(true);
    expect(request.headers).toEqual({ 'x-github-event': 'push' });
  });

  it('takes a plain body as UTF-8 and a missing one as empty', () => {
    expect(fromApiGatewayV2({ body: '{"a":"€"}' }).body.toString('utf8')).toBe('{"a":"€"}');
    expect(fromApiGatewayV2({ headers: null, body: null }).body.length).toBe(0);
  });

  it('writes a response as JSON', () => {
    expect(toApiGatewayV2({ statusCode: 202, body: { runs: [] } })).toEqual({
      statusCode: 202,
      headers: { 'content-type': 'application/json' },
      body: '{"runs":[]}',
    });
  });
});

describe('normaliseHeaders', () => {
  it('lower-cases names, joins repeated values and drops absent ones', () => {
    expect(
      normaliseHeaders({ 'Content-Type': 'application/json', Accept: ['a', 'b'], 'X-None': undefined }),
    ).toEqual({
      'content-type': 'application/json',
      accept: 'a, b',
    });
  });
});
