import { STAGES, type Stage } from '../../events/common.ts';
import type { PipelineConfig } from './pipeline-config.ts';
import { isTerminal, type Run, StageStatus } from './run.ts';

/**
 * The pure decisions behind a pipeline's `concurrency` setting. Each takes the run that wants to
 * move and other runs (any pipeline, any status: the functions filter), as summaries or whole runs.
 * Which runs each decision needs from the store — a bounded slice of the active-run index, never
 * every running run — is `shared/app/rivals.ts`.
 *
 * - `supersede` (default): a newer run overtakes an older one at the older one's next stage
 *   boundary (before staging, before the canary); the older one ends `superseded`.
 * - `queue`: one run at a time; a run waits to build while an older run of its pipeline runs.
 * - `parallel`: runs do not wait for each other.
 *
 * In every mode production is a single slot: a run waits to start its canary while another run of
 * its pipeline has its canary or production stage running.
 */
export type ConcurrencyMode = PipelineConfig['concurrency'];

/**
 * What the decisions read of a run, and all they read. The stores keep it beside each running
 * run's snapshot (`RunStore.activeRuns`), so deciding parses no snapshot; a whole `Run` is one too.
 */
export interface RunSummary {
  id: string;
  pipeline: string;
  attempt: number;
  status: Run['status'];
  createdAt: string;
  source: { commit: string };
  stages: Record<Stage, { status: StageStatus }>;
}

/**
 * A run's summary. Also reads a stored one back: a stage added since it was written is pending,
 * as `withEveryStage` fills in for snapshots.
 */
export function summarize(run: RunSummary): RunSummary {
  return {
    id: run.id,
    pipeline: run.pipeline,
    attempt: run.attempt,
    status: run.status,
    createdAt: run.createdAt,
    source: { commit: run.source.commit },
    stages: Object.fromEntries(
      STAGES.map((stage) => [stage, { status: run.stages[stage]?.status ?? StageStatus.Pending }]),
    ) as Record<Stage, { status: StageStatus }>,
  };
}

/**
 * Where a running run stands for concurrency — the key of the stores' active-run index, so each
 * decision reads only the runs it is about: the oldest or newest running run (`queue`,
 * `supersede`), the one holding production, the ones waiting for it. `undefined` once it ended.
 */
export const CONCURRENCY_PHASES = ['queued', 'in-progress', 'awaiting-production', 'production'] as const;
export type ConcurrencyPhase = (typeof CONCURRENCY_PHASES)[number];

export function concurrencyPhase(run: RunSummary): ConcurrencyPhase | undefined {
  if (isTerminal(run)) return undefined;
  if (holdsProduction(run)) return 'production';
  if (waitsForProduction(run)) return 'awaiting-production';
  if (waitsToBuild(run)) return 'queued';
  return 'in-progress';
}

/** Negative when `a` was started before `b`: by creation time, then id (ULIDs sort by time too). */
export function compareAge(a: Pick<Run, 'createdAt' | 'id'>, b: Pick<Run, 'createdAt' | 'id'>): number {
  const byTime = Date.parse(a.createdAt) - Date.parse(b.createdAt);
  if (byTime !== 0) return byTime;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The other running runs of `run`'s pipeline, oldest first. */
export function rivalsOf<R extends RunSummary>(run: RunSummary, others: readonly R[]): R[] {
  return others
    .filter((other) => other.id !== run.id && other.pipeline === run.pipeline && !isTerminal(other))
    .sort(compareAge);
}

/**
 * The run that supersedes `run`, if any: under `supersede`, the newest running run of the same
 * pipeline that is newer than `run`. `undefined` in the other modes.
 */
export function supersedingRun<R extends RunSummary>(
  run: RunSummary,
  others: readonly R[],
  mode: ConcurrencyMode,
): R | undefined {
  if (mode !== 'supersede') return undefined;
  return rivalsOf(run, others)
    .filter((other) => compareAge(other, run) > 0)
    .at(-1);
}

/** The run `run` waits for before it may build: under `queue`, the oldest older running run. */
export function buildBlocker<R extends RunSummary>(
  run: RunSummary,
  others: readonly R[],
  mode: ConcurrencyMode,
): R | undefined {
  if (mode !== 'queue') return undefined;
  return rivalsOf(run, others).find((other) => compareAge(other, run) < 0);
}

/** Whether `run` may start its build now. */
export function mayStartBuild(
  run: RunSummary,
  others: readonly RunSummary[],
  mode: ConcurrencyMode,
): boolean {
  return buildBlocker(run, others, mode) === undefined;
}

/** Whether a run holds its pipeline's production slot: its canary or production stage is running. */
export function holdsProduction(run: RunSummary): boolean {
  return (
    !isTerminal(run) &&
    (run.stages.canary.status === StageStatus.Running || run.stages.production.status === StageStatus.Running)
  );
}

/** The run holding the production slot that `run` waits for, if any. */
export function productionBlocker<R extends RunSummary>(
  run: RunSummary,
  others: readonly R[],
): R | undefined {
  return rivalsOf(run, others).find(holdsProduction);
}

/** Whether `run` may start its canary (the production deployment) now. */
export function mayStartProduction(run: RunSummary, others: readonly RunSummary[]): boolean {
  return productionBlocker(run, others) === undefined;
}

/** A running run whose build has not started: it is queued (or its `Run Started` is on its way). */
export function waitsToBuild(run: RunSummary): boolean {
  return !isTerminal(run) && run.stages.build.status === StageStatus.Pending;
}

/** A running run past staging whose canary has not started: it waits for the production slot. */
export function waitsForProduction(run: RunSummary): boolean {
  const staging = run.stages.staging.status;
  return (
    !isTerminal(run) &&
    (staging === StageStatus.Succeeded || staging === StageStatus.Skipped) &&
    run.stages.canary.status === StageStatus.Pending
  );
}

/**
 * After `finished` ended, the queued run that may build now (under `queue`, the oldest waiting run
 * of its pipeline once nothing older runs), or `undefined`.
 */
export function nextBuildToResume<R extends RunSummary>(
  finished: RunSummary,
  others: readonly R[],
  mode: ConcurrencyMode,
): R | undefined {
  if (mode !== 'queue') return undefined;
  const waiting = rivalsOf(finished, others).filter(waitsToBuild);
  return waiting.find((run) => mayStartBuild(run, others, mode));
}

/**
 * After `finished` ended, the runs of its pipeline waiting for the production slot, oldest first.
 * The caller re-decides each in turn (the first may supersede, the next may take the slot).
 */
export function productionWaiters<R extends RunSummary>(finished: RunSummary, others: readonly R[]): R[] {
  return rivalsOf(finished, others).filter(waitsForProduction);
}

/**
 * The slice of `runs` that `RunStore.activeRuns` answers: the running ones (in `phase`, if given),
 * by age, oldest or newest first, at most `limit`. The memory store's whole implementation; the
 * SQLite and DynamoDB stores answer the same from their indexes (the contract suite checks it).
 */
export function activeSlice<R extends RunSummary>(
  runs: readonly R[],
  query: { phase?: ConcurrencyPhase; order?: 'oldest' | 'newest'; limit?: number } = {},
): R[] {
  const active = runs
    .filter((run) => {
      const phase = concurrencyPhase(run);
      return phase !== undefined && (query.phase === undefined || phase === query.phase);
    })
    .sort(compareAge);
  if (query.order === 'newest') active.reverse();
  return query.limit === undefined ? active : active.slice(0, Math.max(0, Math.trunc(query.limit)));
}
