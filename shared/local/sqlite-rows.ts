import type Database from 'better-sqlite3';
import type { DetailType, PipelineEvent } from '../../events/pipeline-events.ts';
import { concurrencyPhase, summarize } from '../domain/concurrency.ts';
import { ValidationError } from '../domain/errors.ts';
import type { Run } from '../domain/run.ts';
import type { ActiveRunQuery, LogEntry, RunQuery } from '../ports/run-store.ts';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

/** A prepared-statement cache over a connection: each SQL text is compiled once. */
export function statementCache(db: Database.Database): (text: string) => Database.Statement {
  const statements = new Map<string, Database.Statement>();
  return (text) => {
    let statement = statements.get(text);
    if (!statement) {
      statement = db.prepare(text);
      statements.set(text, statement);
    }
    return statement;
  };
}

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

/** Writes one log entry (inside the caller's transaction). */
export function insertEntry(sql: (text: string) => Database.Statement, runId: string, entry: LogEntry): void {
  sql(
    `INSERT INTO events (run_id, seq, event_id, detail_type, detail, disposition, reason, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    runId,
    entry.seq,
    entry.eventId,
    entry.detailType,
    JSON.stringify(entry.detail),
    entry.disposition,
    entry.reason ?? null,
    entry.recordedAt,
  );
}

/**
 * The page query of `list`: newest first by run id (ULIDs are time-ordered), filtered, after the
 * cursor's run, one row more than `limit` so the caller knows whether another page follows.
 */
export function listQuery(query: RunQuery): { sql: string; params: unknown[]; limit: number } {
  const limit = Math.min(Math.max(Math.trunc(query.limit ?? DEFAULT_LIMIT), 1), MAX_LIMIT);
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.pipeline !== undefined) {
    where.push('pipeline = ?');
    params.push(query.pipeline);
  }
  if (query.status !== undefined) {
    where.push(`status IN (${query.status.map(() => '?').join(', ') || 'NULL'})`);
    params.push(...query.status);
  }
  if (query.cursor !== undefined) {
    where.push('id < ?');
    params.push(decodeCursor(query.cursor));
  }
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  return {
    sql: `SELECT snapshot FROM runs ${filter} ORDER BY id DESC LIMIT ?`,
    params: [...params, limit + 1],
    limit,
  };
}

/** The active-run index columns of a run's row: its phase, age and summary while it runs, else NULL. */
export function activeColumns(run: Run): {
  phase: string | null;
  age: number | null;
  summary: string | null;
} {
  const phase = concurrencyPhase(run);
  return phase === undefined
    ? { phase: null, age: null, summary: null }
    : { phase, age: Date.parse(run.createdAt), summary: JSON.stringify(summarize(run)) };
}

/** The query of `activeRuns`: one range of a partial index, in age order, no snapshot read. */
export function activeQuery(pipeline: string, query: ActiveRunQuery): { sql: string; params: unknown[] } {
  const direction = query.order === 'newest' ? 'DESC' : 'ASC';
  const params: unknown[] = [pipeline];
  let filter = 'pipeline = ? AND phase IS NOT NULL';
  if (query.phase !== undefined) {
    filter += ' AND phase = ?';
    params.push(query.phase);
  }
  const limit = query.limit === undefined ? -1 : Math.max(0, Math.trunc(query.limit));
  return {
    sql: `SELECT summary FROM runs WHERE ${filter} ORDER BY active_age ${direction}, id ${direction} LIMIT ?`,
    params: [...params, limit],
  };
}
