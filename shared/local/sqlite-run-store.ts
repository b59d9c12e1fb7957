import Database from 'better-sqlite3';
import type { PipelineEvent } from '../../events/pipeline-events.ts';
import { foldForAppend, startEntry } from '../app/fold-for-append.ts';
import { type RunSummary, summarize } from '../domain/concurrency.ts';
import { ConcurrencyError, StorageFullError } from '../domain/errors.ts';
import type { PipelineState } from '../domain/production-hold.ts';
import { applyEvent, type Run, withEveryStage } from '../domain/run.ts';
import { SHORT_RUN_ID_LENGTH, ULID_LENGTH } from '../domain/run-id.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type {
  ActiveRunQuery,
  AppendResult,
  ExternalRef,
  LogEntry,
  RunNote,
  RunQuery,
  RunStore,
  StartRunsResult,
  StoredPipelineState,
  StoredRun,
} from '../ports/run-store.ts';
import { crashPoint, crashPointsOf } from './crash-points.ts';
import {
  activeColumns,
  activeQuery,
  type EventRow,
  encodeCursor,
  insertEntry,
  listQuery,
  type OutboxEntry,
  statementCache,
  toLogEntry,
  toOutboxEntry,
} from './sqlite-rows.ts';
import { prepareDatabase } from './sqlite-schema.ts';

export type { OutboxEntry } from './sqlite-rows.ts';

/** Called after a transaction that wrote applied log entries has committed, with the runs it touched. */
export type CommitListener = (runIds: readonly string[]) => void;

interface RunRow {
  version: number;
  snapshot: string;
}

/**
 * The local `RunStore`: one SQLite file (better-sqlite3, WAL). Same contract as the DynamoDB and
 * memory stores — the shared suite in test/contract/run-store.contract.ts runs against all three.
 *
 * It is also the local outbox's source: applied entries stay `dispatched_at IS NULL` until the
 * outbox has published them (`undispatched` / `markDispatched`), and `onCommitted` tells the outbox
 * that there is something new. Those three are local-only; they are not on the `RunStore` port.
 */
export class SqliteRunStore implements RunStore {
  readonly db: Database.Database;
  private readonly clock: Clock;
  private readonly listeners = new Set<CommitListener>();
  /** Prepared statements, compiled once per connection. */
  private readonly sql: (text: string) => Database.Statement;

  /** `file` is a path or `:memory:`; or pass an open `database` (the store sets its pragmas). */
  constructor(options: { file: string; clock?: Clock } | { database: Database.Database; clock?: Clock }) {
    this.db = 'database' in options ? options.database : new Database(options.file);
    this.clock = options.clock ?? systemClock;
    prepareDatabase(this.db);
    this.sql = statementCache(this.db);
    this.indexActiveRuns();
  }

  /** Running rows from before the active-run index (schema 3) join it; a no-op once they have. */
  private indexActiveRuns(): void {
    const rows = this.sql(
      "SELECT id, snapshot FROM runs WHERE status = 'running' AND summary IS NULL",
    ).all() as { id: string; snapshot: string }[];
    if (rows.length === 0) return;
    this.db.transaction(() => {
      for (const row of rows) {
        const { phase, age, summary } = activeColumns(snapshotRun(row.snapshot));
        this.sql('UPDATE runs SET phase = ?, active_age = ?, summary = ? WHERE id = ?').run(
          phase,
          age,
          summary,
          row.id,
        );
      }
    })();
  }

  async startRuns(
    delivery: { id: string; provider: string },
    events: PipelineEvent[],
  ): Promise<StartRunsResult> {
    crashPoint('startRuns:before');
    const result = writing(() =>
      this.db
        .transaction((): StartRunsResult => {
          const seen = this.sql('SELECT run_ids FROM deliveries WHERE provider = ? AND id = ?').get(
            delivery.provider,
            delivery.id,
          ) as { run_ids: string } | undefined;
          if (seen) return { created: false, runIds: JSON.parse(seen.run_ids) as string[] };
          const now = this.clock.now().toISOString();
          const runIds: string[] = [];
          for (const event of events) {
            if (event.detailType !== 'Run Started') {
              throw new TypeError(`startRuns takes Run Started, not ${event.detailType}`);
            }
            const { run } = applyEvent(undefined, event);
            // The primary key would refuse it too, but with a constraint error rather than ours.
            if (this.sql('SELECT 1 FROM runs WHERE id = ?').get(run.id)) {
              throw new ConcurrencyError(`run ${run.id} exists`, { runId: run.id });
            }
            const { phase, age, summary } = activeColumns(run);
            this.sql(
              `INSERT INTO runs (id, pipeline, status, created_at, version, snapshot, phase, active_age, summary)
             VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)`,
            ).run(run.id, run.pipeline, run.status, run.createdAt, JSON.stringify(run), phase, age, summary);
            insertEntry(this.sql, run.id, startEntry(event, now));
            runIds.push(run.id);
          }
          this.sql('INSERT INTO deliveries (provider, id, run_ids, seen_at) VALUES (?, ?, ?, ?)').run(
            delivery.provider,
            delivery.id,
            JSON.stringify(runIds),
            now,
          );
          return { created: true, runIds };
        })
        .immediate(),
    );
    if (result.created) crashPoint('startRuns:after');
    if (result.created) this.committed(result.runIds);
    return result;
  }

  async get(runId: string): Promise<StoredRun | undefined> {
    const row = this.sql('SELECT version, snapshot FROM runs WHERE id = ?').get(runId) as RunRow | undefined;
    return row ? { run: snapshotRun(row.snapshot), version: row.version } : undefined;
  }

  async append(runId: string, expectedVersion: number, events: PipelineEvent[]): Promise<AppendResult> {
    // IMMEDIATE takes the write lock before the read: a second process cannot slip a commit in
    // between our read of the snapshot and our guarded update (in WAL that would be SQLITE_BUSY_SNAPSHOT).
    crashPointsOf('append:before', events);
    const result = writing(() =>
      this.db
        .transaction((): AppendResult => {
          const stale = () =>
            new ConcurrencyError(`run ${runId} is not at version ${expectedVersion}`, {
              runId,
              expectedVersion,
            });
          const row = this.sql('SELECT version, snapshot FROM runs WHERE id = ?').get(runId) as
            | RunRow
            | undefined;
          if (!row || row.version !== expectedVersion) throw stale();
          const { run, entries } = foldForAppend(
            snapshotRun(row.snapshot),
            expectedVersion,
            events,
            this.clock.now().toISOString(),
          );
          for (const entry of entries) insertEntry(this.sql, runId, entry);
          if (entries.length === 0) return { run, version: expectedVersion, entries };
          const version = expectedVersion + entries.length;
          // The guard the contract names: whatever happened since the read, a moved version writes nothing.
          const { phase, age, summary } = activeColumns(run);
          const update = this.sql(
            `UPDATE runs SET version = ?, status = ?, snapshot = ?, phase = ?, active_age = ?, summary = ?
           WHERE id = ? AND version = ?`,
          ).run(version, run.status, JSON.stringify(run), phase, age, summary, runId, expectedVersion);
          if (update.changes === 0) throw stale();
          return { run, version, entries };
        })
        .immediate(),
    );
    crashPointsOf(
      'append:after',
      result.entries.filter((entry) => entry.disposition === 'applied'),
    );
    if (result.entries.some((entry) => entry.disposition === 'applied')) this.committed([runId]);
    return result;
  }

  async log(runId: string): Promise<LogEntry[]> {
    const rows = this.sql('SELECT * FROM events WHERE run_id = ? ORDER BY seq').all(runId) as EventRow[];
    return rows.map(toLogEntry);
  }

  async list(query: RunQuery = {}): Promise<{ runs: Run[]; cursor?: string }> {
    const { sql, params, limit } = listQuery(query);
    const rows = this.sql(sql).all(...params) as { snapshot: string }[];
    const runs = rows.slice(0, limit).map((row) => snapshotRun(row.snapshot));
    return rows.length > limit ? { runs, cursor: encodeCursor(runs[runs.length - 1]!.id) } : { runs };
  }

  async activeRuns(pipeline: string, query: ActiveRunQuery = {}): Promise<RunSummary[]> {
    const { sql, params } = activeQuery(pipeline, query);
    const rows = this.sql(sql).all(...params) as { summary: string }[];
    return rows.map((row) => summarize(JSON.parse(row.summary) as RunSummary));
  }

  async link(ref: ExternalRef, runId: string): Promise<void> {
    writing(() =>
      this.sql(
        'INSERT INTO refs (kind, id, run_id) VALUES (?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET run_id = excluded.run_id',
      ).run(ref.kind, ref.id, runId),
    );
  }

  /**
   * A whole id is one primary-key read; a start of the short id is a range of the `short_id` index;
   * a tail is read from that index too (its 8-character keys, not the rows). Anything but Crockford
   * base32 falls back to reading every id.
   */
  async findRunIds(partial: string, limit: number): Promise<string[]> {
    if (partial.length === 0 || limit < 1) return [];
    if (partial.length === ULID_LENGTH) {
      return this.sql('SELECT id FROM runs WHERE id = ?').get(partial) ? [partial] : [];
    }
    if (/^[0-9A-Z]+$/.test(partial)) {
      // A start of the short id: a range of the index. A tail: the index's 8-character keys.
      const starts =
        partial.length <= SHORT_RUN_ID_LENGTH
          ? this.sql("SELECT id FROM runs WHERE short_id >= ? AND short_id < ? || '~'").all(partial, partial)
          : [];
      const tails =
        partial.length >= SHORT_RUN_ID_LENGTH
          ? this.sql('SELECT id FROM runs WHERE short_id = substr(?, -8) AND substr(id, -length(?)) = ?').all(
              partial,
              partial,
              partial,
            )
          : this.sql(
              'SELECT id FROM runs INDEXED BY runs_by_short_id WHERE substr(short_id, -length(?)) = ?',
            ).all(partial, partial);
      const ids = new Set([...starts, ...tails].map((row) => (row as { id: string }).id));
      return [...ids].sort().reverse().slice(0, limit);
    }
    const rows = this.sql(
      `SELECT id FROM runs
       WHERE substr(id, -${SHORT_RUN_ID_LENGTH}, length(@partial)) = @partial OR substr(id, -length(@partial)) = @partial
       ORDER BY id DESC LIMIT @limit`,
    ).all({ partial, limit }) as { id: string }[];
    return rows.map((row) => row.id);
  }

  async findByRef(ref: ExternalRef): Promise<string | undefined> {
    const row = this.sql('SELECT run_id FROM refs WHERE kind = ? AND id = ?').get(ref.kind, ref.id) as
      | { run_id: string }
      | undefined;
    return row?.run_id;
  }

  async addNote(runId: string, note: RunNote): Promise<void> {
    // A note on a run that does not exist is dropped, as the other stores do.
    writing(() =>
      this.sql(
        'INSERT INTO notes (run_id, at, kind, message) SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM runs WHERE id = ?)',
      ).run(runId, note.at, note.kind, note.message, runId),
    );
  }

  async notes(runId: string): Promise<RunNote[]> {
    return this.sql('SELECT at, kind, message FROM notes WHERE run_id = ? ORDER BY id').all(
      runId,
    ) as RunNote[];
  }

  async setAttribute(runId: string, key: string, value: string, options: { ifAbsent?: boolean } = {}) {
    const onConflict = options.ifAbsent ? 'DO NOTHING' : 'DO UPDATE SET value = excluded.value';
    const { changes } = writing(() =>
      this.sql(
        `INSERT INTO attributes (run_id, key, value) SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM runs WHERE id = ?)
         ON CONFLICT (run_id, key) ${onConflict}`,
      ).run(runId, key, value, runId),
    );
    return changes > 0;
  }

  async getAttribute(runId: string, key: string): Promise<string | undefined> {
    const row = this.sql('SELECT value FROM attributes WHERE run_id = ? AND key = ?').get(runId, key) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  async getPipelineState(pipeline: string): Promise<StoredPipelineState> {
    const row = this.sql('SELECT version, state FROM pipeline_states WHERE pipeline = ?').get(pipeline) as
      | { version: number; state: string }
      | undefined;
    return row
      ? { state: JSON.parse(row.state) as PipelineState, version: row.version }
      : { state: {}, version: 0 };
  }

  async setPipelineState(
    pipeline: string,
    state: PipelineState,
    { expectedVersion }: { expectedVersion: number },
  ): Promise<number> {
    const json = JSON.stringify(state);
    // The first write inserts (a second first write meets the primary key); later ones update on
    // the version read, so of two writers that read the same version only one changes a row.
    const { changes } = writing(() =>
      expectedVersion === 0
        ? this.sql(
            'INSERT INTO pipeline_states (pipeline, version, state) VALUES (?, 1, ?) ON CONFLICT (pipeline) DO NOTHING',
          ).run(pipeline, json)
        : this.sql(
            'UPDATE pipeline_states SET version = version + 1, state = ? WHERE pipeline = ? AND version = ?',
          ).run(json, pipeline, expectedVersion),
    );
    if (changes === 0) {
      throw new ConcurrencyError(`pipeline ${pipeline}'s state changed since version ${expectedVersion}`, {
        expectedVersion,
      });
    }
    return expectedVersion + 1;
  }

  /**
   * Deletes up to `limit` finished runs created before `startedBefore`, oldest first, with their event log, notes, attributes and refs, in one
   * transaction; `keep` is never deleted. Deliveries seen before then go too (GitHub redelivers
   * for days, not months). Answers the ids deleted; call again while it deletes `limit`. Local only.
   */
  pruneRuns(options: { startedBefore: Date; keep?: ReadonlySet<string>; limit?: number }): string[] {
    const bound = options.startedBefore.toISOString();
    const keep = options.keep ?? new Set<string>();
    const limit = options.limit ?? 500;
    return writing(() =>
      this.db
        .transaction(() => {
          const candidates = this.sql(
            "SELECT id FROM runs WHERE created_at < ? AND status <> 'running' ORDER BY created_at, id LIMIT ?",
          ).all(bound, limit + keep.size) as { id: string }[];
          const ids = candidates
            .map((row) => row.id)
            .filter((id) => !keep.has(id))
            .slice(0, limit);
          for (const id of ids) {
            for (const table of ['events', 'notes', 'attributes', 'refs']) {
              this.sql(`DELETE FROM ${table} WHERE run_id = ?`).run(id);
            }
            this.sql('DELETE FROM runs WHERE id = ?').run(id);
          }
          this.sql('DELETE FROM deliveries WHERE seen_at < ?').run(bound);
          return ids;
        })
        .immediate(),
    );
  }

  /**
   * Writes the write-ahead log back into the database and truncates it: the WAL otherwise keeps its
   * high-water size (megabytes) for ever. Space freed by deleted runs is reused by later writes.
   */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** Applied entries not yet published, in commit order (so per run in `seq` order). Local only. */
  undispatched(options: { runId?: string; limit?: number } = {}): OutboxEntry[] {
    const byRun = options.runId === undefined ? '' : 'AND run_id = @runId';
    const rows = this.sql(
      `SELECT * FROM events WHERE dispatched_at IS NULL AND disposition = 'applied' ${byRun} ORDER BY rowid LIMIT @limit`,
    ).all({ runId: options.runId, limit: options.limit ?? 1000 }) as EventRow[];
    return rows.map(toOutboxEntry);
  }

  /** Marks one entry published. Idempotent. Local only. */
  markDispatched(runId: string, seq: number): void {
    writing(() =>
      this.sql(
        'UPDATE events SET dispatched_at = ? WHERE run_id = ? AND seq = ? AND dispatched_at IS NULL',
      ).run(this.clock.now().toISOString(), runId, seq),
    );
  }

  /** Subscribes to commits that wrote applied entries; returns the unsubscribe function. Local only. */
  onCommitted(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.listeners.clear();
    if (this.db.open) this.db.close();
  }

  private committed(runIds: readonly string[]): void {
    for (const listener of this.listeners) {
      try {
        listener(runIds);
      } catch {
        // A listener only schedules work; it must not turn a committed write into a failure.
      }
    }
  }
}

/**
 * Runs a write, turning SQLite's "database or disk is full" (and a failing disk) into a
 * `StorageFullError` that says so: the transaction was rolled back, nothing of it is kept, and the
 * server keeps answering (a webhook gets 503 with the reason, and its sender may redeliver).
 */
function writing<T>(write: () => T): T {
  try {
    return write();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_FULL') {
      throw new StorageFullError('the run store cannot write: its disk is full; nothing was stored', {
        cause: error,
      });
    }
    if (typeof code === 'string' && code.startsWith('SQLITE_IOERR')) {
      throw new StorageFullError(`the run store cannot write to its disk (${code}); nothing was stored`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** A stored snapshot as a run of this version (a stage added since, the gate, filled in). */
function snapshotRun(snapshot: string): Run {
  return withEveryStage(JSON.parse(snapshot) as Run);
}
