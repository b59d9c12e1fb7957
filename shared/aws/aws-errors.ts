import { TransientError } from '../domain/errors.ts';

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'AccountLimitExceededException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerError',
  'InternalServerException',
]);

/**
 * Wraps what is worth retrying (throttling, 5xx, network) in `TransientError`, so the handler
 * throws and the platform retries it; any other error is returned as it is.
 */
export function asTransientAws(error: unknown, operation: string): unknown {
  if (!(error instanceof Error)) return error;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = (error as { code?: string }).code ?? '';
  const network = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code);
  if (THROTTLING.has(error.name) || (status !== undefined && status >= 500) || network) {
    return new TransientError(`${operation} failed: ${error.message}`, { cause: error });
  }
  return error;
}
