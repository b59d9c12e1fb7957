import type { DetailType, PipelineEvent } from '../../events/pipeline-events.ts';
import { ValidationError } from '../domain/errors.ts';
import type { LogEntry } from '../ports/run-store.ts';

/** A row of the `events` table as better-sqlite3 returns it. */
export interface EventRow {
  run_id: string;
  seq: number;
  event_id: string;
  detail_type: string;
  detail: string;
  disposition: 'applied' | 'ignored';
  reason: string | null;
  recorded_at: string;
  dispatched_at: string | null;
}

/** An applied entry the outbox has not published yet. */
export interface OutboxEntry {
  runId: string;
  seq: number;
  event: PipelineEvent;
}

export function toLogEntry(row: EventRow): LogEntry {
  return {
    seq: row.seq,
    eventId: row.event_id,
    detailType: row.detail_type as DetailType,
    detail: JSON.parse(row.detail) as PipelineEvent['detail'],
    disposition: row.disposition,
    ...(row.reason === null ? {} : { reason: row.reason }),
    recordedAt: row.recorded_at,
  };
}

export function toOutboxEntry(row: EventRow): OutboxEntry {
  return {
    runId: row.run_id,
    seq: row.seq,
    event: { detailType: row.detail_type, detail: JSON.parse(row.detail) } as PipelineEvent,
  };
}

/**
 * List cursors are opaque to callers: the id of the last run of the page, base64url-encoded with a
 * prefix so that a cursor from elsewhere (or a typo) is refused rather than silently misread.
 */
export function encodeCursor(lastRunId: string): string {
  return Buffer.from(`run:${lastRunId}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const decoded = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!decoded.startsWith('run:') || decoded.length === 4) {
    throw new ValidationError(`cursor ${JSON.stringify(cursor)} is not a cursor this store returned`, {
      cursor,
    });
  }
  return decoded.slice(4);
}
