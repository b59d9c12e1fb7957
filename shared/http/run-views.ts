import { RunOutcomeSchema, STAGES, type Stage } from '../../events/common.ts';
import type { SourcePush } from '../../events/source-push.ts';
import { resolveRunId } from '../app/resolve-run-id.ts';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import type { Run, RunStatus, StageStatus } from '../domain/run.ts';
import type { LogEntry, RunNote, RunQuery, RunStore } from '../ports/run-store.ts';

/**
 * The runs as the API shows them, in both modes: local mode's server (shared/local/api-routes.ts)
 * and the AWS `api` function (functions/api) answer `GET /api/runs` and `GET /api/runs/:id` with
 * these shapes, and the CLI (`pushline runs`, `show`) and the dashboard read them. Nothing here
 * knows where the runs are stored or how the request arrived.
 */

/** One stage of a run as the API shows it. `durationSeconds` runs on while the stage does. */
export interface StageView {
  name: Stage;
  status: StageStatus;
  startedAt?: string;
  finishedAt?: string;
  durationSeconds?: number;
  reason?: string;
}

/** A run in a list: enough for a table row or a dashboard card. */
export interface RunSummary {
  id: string;
  pipeline: string;
  status: RunStatus;
  attempt: number;
  trigger: Run['trigger'];
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  durationSeconds: number;
  reason?: string;
  source: Omit<SourcePush, 'changedPaths'>;
  /** Every stage, the approval gate too (`skipped` when the pipeline has none). */
  stages: StageView[];
  /** The gate, once requested: who may decide, how long it waits, the decision. */
  approval?: Run['approval'];
  tests?: NonNullable<Run['build']>['tests'];
}

/** A log entry as the API shows it: the event's stage, time and data, without the repeated push. */
export interface EventView {
  seq: number;
  eventId: string;
  detailType: string;
  stage: string;
  at: string;
  disposition: LogEntry['disposition'];
  reason?: string;
  recordedAt: string;
  data: unknown;
}

/** One run with everything known about it: its stages, artifacts, log (ignored entries too) and notes. */
export interface RunDetail extends RunSummary {
  version: number;
  changedPaths?: string[];
  build?: Run['build'];
  staging?: Run['staging'];
  canary?: Run['canary'];
  production?: Run['production'];
  ignored: Run['ignored'];
  events: EventView[];
  notes: RunNote[];
}

const STATUSES: readonly string[] = ['running', ...RunOutcomeSchema.options];
const MAX_LIMIT = 200;

const seconds = (from: string, to: string) =>
  Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));

export function summariseRun(run: Run, now: Date): RunSummary {
  const nowIso = now.toISOString();
  const { changedPaths: _paths, ...source } = run.source;
  const stages = STAGES.map((name): StageView => {
    const stage = run.stages[name];
    const end = stage.finishedAt ?? (stage.status === 'running' ? nowIso : undefined);
    return {
      name,
      status: stage.status,
      ...(stage.startedAt ? { startedAt: stage.startedAt } : {}),
      ...(stage.finishedAt ? { finishedAt: stage.finishedAt } : {}),
      ...(stage.startedAt && end ? { durationSeconds: seconds(stage.startedAt, end) } : {}),
      ...(stage.reason ? { reason: stage.reason } : {}),
    };
  });
  return {
    id: run.id,
    pipeline: run.pipeline,
    status: run.status,
    attempt: run.attempt,
    trigger: run.trigger,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}),
    durationSeconds: seconds(run.createdAt, run.finishedAt ?? nowIso),
    ...(run.reason ? { reason: run.reason } : {}),
    source,
    stages,
    ...(run.approval ? { approval: run.approval } : {}),
    ...(run.build?.tests ? { tests: run.build.tests } : {}),
  };
}

/** `?pipeline=&status=running,failed&limit=&cursor=` → a `RunQuery`, or a `ValidationError` saying what is wrong. */
export function parseRunQuery(params: URLSearchParams): RunQuery {
  const query: RunQuery = {};
  const pipeline = params.get('pipeline');
  if (pipeline) query.pipeline = pipeline;
  const statuses = params
    .getAll('status')
    .flatMap((s) => s.split(','))
    .filter(Boolean);
  const unknown = statuses.filter((s) => !STATUSES.includes(s));
  if (unknown.length > 0) {
    throw new ValidationError(`status ${unknown.join(', ')} is not one of ${STATUSES.join(', ')}`);
  }
  if (statuses.length > 0) query.status = statuses as RunStatus[];
  const limit = params.get('limit');
  if (limit !== null) {
    if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT) {
      throw new ValidationError(`limit must be a whole number from 1 to ${MAX_LIMIT}, not "${limit}"`);
    }
    query.limit = Number(limit);
  }
  const cursor = params.get('cursor');
  if (cursor) query.cursor = cursor;
  return query;
}

export async function listRuns(
  store: RunStore,
  query: RunQuery,
  now: Date,
): Promise<{ runs: RunSummary[]; cursor?: string }> {
  const page = await store.list(query);
  return {
    runs: page.runs.map((run) => summariseRun(run, now)),
    ...(page.cursor ? { cursor: page.cursor } : {}),
  };
}

/**
 * Everything known about one run; `runId` is the whole id or any unique tail of it (the short id
 * `766747SE`). `undefined` when no run matches; an ambiguous tail throws `AmbiguousRunIdError`.
 */
export async function describeRun(store: RunStore, runId: string, now: Date): Promise<RunDetail | undefined> {
  const id = await resolveRunId(store, runId).catch((error: unknown) => {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  });
  if (id === undefined) return undefined;
  runId = id;
  const stored = await store.get(runId);
  if (!stored) return undefined;
  const [log, notes] = await Promise.all([store.log(runId), store.notes(runId)]);
  const { run } = stored;
  return {
    ...summariseRun(run, now),
    version: stored.version,
    ...(run.source.changedPaths ? { changedPaths: run.source.changedPaths } : {}),
    ...(run.build ? { build: run.build } : {}),
    ...(run.staging ? { staging: run.staging } : {}),
    ...(run.canary ? { canary: run.canary } : {}),
    ...(run.production ? { production: run.production } : {}),
    ignored: run.ignored,
    events: log.map((entry) => ({
      seq: entry.seq,
      eventId: entry.eventId,
      detailType: entry.detailType,
      stage: entry.detail.stage,
      at: entry.detail.at,
      disposition: entry.disposition,
      ...(entry.reason ? { reason: entry.reason } : {}),
      recordedAt: entry.recordedAt,
      data: entry.detail.data,
    })),
    notes,
  };
}
