import { TransientError } from '../domain/errors.ts';

/** One entry of a `TransactionCanceledException`'s `CancellationReasons`, in request order. */
export interface CancellationReason {
  Code?: string;
  Message?: string;
  Item?: Record<string, unknown>;
}

/** The cancellation reasons of a cancelled transaction, or `undefined` for any other error. */
export function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  return ((error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? []).map(
    (reason) => reason ?? {},
  );
}

/** True when the error says a condition did not hold (single write or inside a transaction). */
export function isConditionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'ConditionalCheckFailedException') return true;
  // TransactionConflict: another transaction was writing the same item; as good as a lost race.
  return (cancellationReasons(error) ?? []).some(
    (r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict',
  );
}

const TRANSIENT = new Set([
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'ThrottlingException',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionInProgressException',
]);

/**
 * Wraps throttling, 5xx and network failures in `TransientError` so the handler is retried by
 * the platform; anything else (a validation error, a missing table) is a bug and stays as it is.
 */
export function asTransient(error: unknown, operation: string): unknown {
  if (!(error instanceof Error)) return error;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const network = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(
    (error as { code?: string }).code ?? '',
  );
  if (TRANSIENT.has(error.name) || (status !== undefined && status >= 500) || network) {
    return new TransientError(`DynamoDB ${operation} failed: ${error.message}`, { cause: error });
  }
  return error;
}
