import {
  type ConcurrencyPhase,
  concurrencyPhase,
  type RunSummary,
  summarize,
} from '../domain/concurrency.ts';
import { ValidationError } from '../domain/errors.ts';
import type { Run } from '../domain/run.ts';
import type { LogEntry, RunNote } from '../ports/run-store.ts';

/**
 * The single-table layout of the DynamoDB run store. One partition per run holds its snapshot,
 * its log, its notes and its attributes, so a run is read with one `GetItem` or one `Query`:
 *
 *   pk                      sk                 what
 *   RUN#<runId>             RUN                snapshot: run + version (+ GSI keys for listing)
 *   RUN#<runId>             LOG#00000001       log entry 1 (kind=log; the stream publishes applied ones)
 *   RUN#<runId>             NOTE#<ulid>        a note
 *   RUN#<runId>             ATTR#<key>         an adapter attribute
 *   DELIVERY#<prov>:<id>    DELIVERY           webhook dedupe record, expires by TTL (`expiresAt`)
 *   REF#<kind>#<id>         REF                external job (build, deployment) → run id
 *   PIPELINE#<name>         STATE              a pipeline's state (its freeze) + version
 *
 * GSI `byPipeline` (gsi1pk = pipeline name, gsi1sk = runId) lists a pipeline's runs newest first;
 * GSI `allRuns` (gsi2pk = "RUN", gsi2sk = runId) lists every run newest first. Run ids are ULIDs,
 * so sorting by id sorts by creation time.
 * GSI `activeRuns` (gsi3pk = "<pipeline>#<phase>", gsi3sk = `activeSk`), sparse: only a running
 * run's snapshot has the keys, so a run leaves the index in the write that ends it. It projects
 * the run's `summary` alone: the concurrency decisions read a few small items, never snapshots.
 */
export const INDEX = { byPipeline: 'byPipeline', allRuns: 'allRuns', activeRuns: 'activeRuns' } as const;

/** The `kind` attribute; the stream → Pipes filter matches `kind = log` and `disposition = applied`. */
export const ItemKind = {
  Run: 'run',
  Log: 'log',
  Note: 'note',
  Attribute: 'attr',
  Delivery: 'delivery',
  Ref: 'ref',
  Pipeline: 'pipeline',
} as const;

export const runPk = (runId: string) => `RUN#${runId}`;
export const SNAPSHOT_SK = 'RUN';
export const logSk = (seq: number) => `LOG#${String(seq).padStart(8, '0')}`;
export const noteSk = (id: string) => `NOTE#${id}`;
export const attrSk = (key: string) => `ATTR#${key}`;
export const deliveryPk = (provider: string, id: string) => `DELIVERY#${provider}:${id}`;
export const refPk = (kind: string, id: string) => `REF#${kind}#${id}`;
export const ALL_RUNS = 'RUN';
export const pipelinePk = (pipeline: string) => `PIPELINE#${pipeline}`;
export const PIPELINE_STATE_SK = 'STATE';
export const activePk = (pipeline: string, phase: ConcurrencyPhase) => `${pipeline}#${phase}`;
/** Sorts as `compareAge` does: creation time in ms (zero-padded), then the run id. */
export const activeSk = (run: Pick<Run, 'createdAt' | 'id'>) =>
  `${String(Date.parse(run.createdAt)).padStart(15, '0')}#${run.id}`;

export interface SnapshotItem {
  pk: string;
  sk: string;
  kind: 'run';
  runId: string;
  pipeline: string;
  status: Run['status'];
  version: number;
  run: Run;
  gsi1pk: string;
  gsi1sk: string;
  gsi2pk: string;
  gsi2sk: string;
  /** The active-run index's keys and projection: present while the run runs. */
  gsi3pk?: string;
  gsi3sk?: string;
  summary?: RunSummary;
}

export interface LogItem extends LogEntry {
  pk: string;
  sk: string;
  kind: 'log';
  runId: string;
}

/**
 * DynamoDB rejects `undefined` and the document client only drops it when told to; the run and
 * the event details are plain JSON, so a JSON round trip makes them safe for any client config.
 */
export function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export function snapshotItem(run: Run, version: number): SnapshotItem {
  return {
    pk: runPk(run.id),
    sk: SNAPSHOT_SK,
    kind: ItemKind.Run,
    runId: run.id,
    pipeline: run.pipeline,
    status: run.status,
    version,
    run: plain(run),
    gsi1pk: run.pipeline,
    gsi1sk: run.id,
    gsi2pk: ALL_RUNS,
    gsi2sk: run.id,
    ...activeAttributes(run),
  };
}

function activeAttributes(run: Run): Pick<SnapshotItem, 'gsi3pk' | 'gsi3sk' | 'summary'> {
  const phase = concurrencyPhase(run);
  if (phase === undefined) return {};
  return { gsi3pk: activePk(run.pipeline, phase), gsi3sk: activeSk(run), summary: summarize(run) };
}

export function logItem(runId: string, entry: LogEntry): LogItem {
  return { pk: runPk(runId), sk: logSk(entry.seq), kind: ItemKind.Log, runId, ...plain(entry) };
}

/** Strips the table's bookkeeping attributes off a stored log item. */
export function toLogEntry(item: Record<string, unknown>): LogEntry {
  const { pk: _pk, sk: _sk, kind: _kind, runId: _runId, ...entry } = item;
  return entry as unknown as LogEntry;
}

export function toNote(item: Record<string, unknown>): RunNote {
  return { at: String(item.at), kind: String(item.noteKind), message: String(item.message) };
}

/** Cursors are the query's `LastEvaluatedKey`, base64url-encoded: opaque to callers, stable across calls. */
export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string): Record<string, unknown> {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (key && typeof key === 'object' && !Array.isArray(key)) return key as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new ValidationError(`cursor ${JSON.stringify(cursor)} is not one this store returned`, { cursor });
}
