import type { DetailType, PipelineEvent } from '../../events/pipeline-events.ts';
import type { ConcurrencyPhase, RunSummary } from '../domain/concurrency.ts';
import type { PipelineState } from '../domain/production-hold.ts';
import type { Run } from '../domain/run.ts';

/** One entry of a run's append-only event log. */
export interface LogEntry {
  /** 1-based position in the run's log; equals the run's version after it was appended. */
  seq: number;
  eventId: string;
  detailType: DetailType;
  detail: PipelineEvent['detail'];
  /** `applied` changed the run; `ignored` did not fit (see `reason`); duplicates are not logged. */
  disposition: 'applied' | 'ignored';
  reason?: string;
  recordedAt: string;
}

/** A run as stored: the folded state plus the log version it reflects. */
export interface StoredRun {
  run: Run;
  /** The number of log entries; the optimistic-concurrency token for `append`. */
  version: number;
}

export interface AppendResult {
  run: Run;
  version: number;
  /** The entries written by this call (duplicates are skipped, not written). */
  entries: LogEntry[];
}

export interface StartRunsResult {
  /** False when the delivery was seen before: no run was started, `runIds` are the original ones. */
  created: boolean;
  runIds: string[];
}

/** A note on a run that is not a pipeline event (a notification that failed, a step that could not resume). */
export interface RunNote {
  at: string;
  kind: string;
  message: string;
}

export interface RunQuery {
  pipeline?: string;
  /** Only runs whose status is one of these. */
  status?: readonly Run['status'][];
  limit?: number;
  /** Opaque cursor returned by a previous call. */
  cursor?: string;
}

/**
 * A slice of one pipeline's active-run index (`RunStore.activeRuns`): its running runs, or those in
 * one `phase`, ordered by age (`compareAge`: creation time, then id), at most `limit` of them.
 */
export interface ActiveRunQuery {
  phase?: ConcurrencyPhase;
  /** Default `oldest`: oldest first. */
  order?: 'oldest' | 'newest';
  /** Default: all of them. */
  limit?: number;
}

/** An external job (a build, a deployment) that Pushline started for a run. */
export interface ExternalRef {
  kind: 'build' | 'deployment';
  id: string;
}

/** A pipeline's state as stored, with its version (0: never written, the state is `{}`). */
export interface StoredPipelineState {
  state: PipelineState;
  /** The optimistic-concurrency token for `setPipelineState`; counts the writes. */
  version: number;
}

/**
 * State kept per pipeline rather than per run — its freeze — in the same store as the runs (the
 * same SQLite file, the same DynamoDB table), so that every handler that has the run store has it
 * too and no root wires anything new.
 *
 * Contract: `getPipelineState` of a pipeline never written is `{ state: {}, version: 0 }`.
 * `setPipelineState` writes only if the stored version still equals `expectedVersion` (0 for the
 * first write) and returns the new version (`expectedVersion + 1`); otherwise it throws
 * `ConcurrencyError` and writes nothing — two people freezing at once: one wins, the other is told.
 */
export interface PipelineStateStore {
  getPipelineState(pipeline: string): Promise<StoredPipelineState>;
  setPipelineState(
    pipeline: string,
    state: PipelineState,
    options: { expectedVersion: number },
  ): Promise<number>;
}

/**
 * The run store and event log. Both modes implement it (SQLite locally, DynamoDB on AWS).
 *
 * Contract:
 * - `startRuns` is atomic and idempotent by delivery id: all `Run Started` events of one delivery
 *   are written together with the delivery record, or none is. A second call with the same
 *   delivery id writes nothing and returns the original run ids.
 * - `append` folds the events with `applyEvent` and writes the log entries and the new snapshot
 *   only if the stored version still equals `expectedVersion`; otherwise it throws
 *   `ConcurrencyError` and writes nothing. Duplicates (same `eventId`) are skipped silently.
 * - Applied entries are published after they are written (the outbox): local stores mark them
 *   undispatched until `markDispatched`; DynamoDB publishes them from its stream.
 * - Reads never throw for a missing run: they return `undefined`.
 */
export interface RunStore extends PipelineStateStore {
  startRuns(delivery: { id: string; provider: string }, events: PipelineEvent[]): Promise<StartRunsResult>;
  get(runId: string): Promise<StoredRun | undefined>;
  append(runId: string, expectedVersion: number, events: PipelineEvent[]): Promise<AppendResult>;
  log(runId: string): Promise<LogEntry[]>;
  list(query?: RunQuery): Promise<{ runs: Run[]; cursor?: string }>;
  /**
   * The running runs of `pipeline` as `RunSummary`s, from an index the store keeps in the same
   * write as each snapshot (`concurrencyPhase` is its key): one bounded read that parses no
   * snapshot, so a concurrency decision costs the same with 1 or 1,000 runs waiting.
   */
  activeRuns(pipeline: string, query?: ActiveRunQuery): Promise<RunSummary[]>;
  /** Records which run an external job belongs to, so its completion event can find the run. */
  link(ref: ExternalRef, runId: string): Promise<void>;
  findByRef(ref: ExternalRef): Promise<string | undefined>;
  /**
   * The ids of the runs `partial` names by `runIdMatches` (shared/domain/run-id.ts: the start of
   * the short id — the id's last 8 characters — or a tail of the id; exact case), newest first, at
   * most `limit`; no match is `[]`. For finding a run by the short id people see.
   */
  findRunIds(partial: string, limit: number): Promise<string[]>;
  /** Adds a note to the run (visible in the API and the dashboard); never changes the run's state. */
  addNote(runId: string, note: RunNote): Promise<void>;
  notes(runId: string): Promise<RunNote[]>;
  /**
   * Small per-run state for adapters, outside the event log: the Slack message `ts`, "event X was
   * announced" markers. With `ifAbsent`, writes only when the key is new and returns whether it
   * wrote — an atomic claim, so a redelivered event is announced once.
   */
  setAttribute(runId: string, key: string, value: string, options?: { ifAbsent?: boolean }): Promise<boolean>;
  getAttribute(runId: string, key: string): Promise<string | undefined>;
}
