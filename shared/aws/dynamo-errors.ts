import { asTransientAws } from './aws-errors.ts';

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

/** Throttling, 5xx and network failures become `TransientError` (see `asTransientAws`). */
export function asTransient(error: unknown, operation: string): unknown {
  return asTransientAws(error, `DynamoDB ${operation}`);
}
