import type { PipelineConfig } from './pipeline-config.ts';
import { isTerminal, type Run, StageStatus } from './run.ts';

/**
 * The pure decisions behind a pipeline's `concurrency` setting. Each takes the run that wants to
 * move and the other runs of the store (any pipeline, any status: the functions filter), so the
 * handlers only have to list runs and ask.
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

/** Negative when `a` was started before `b`: by creation time, then id (ULIDs sort by time too). */
export function compareAge(a: Pick<Run, 'createdAt' | 'id'>, b: Pick<Run, 'createdAt' | 'id'>): number {
  const byTime = Date.parse(a.createdAt) - Date.parse(b.createdAt);
  if (byTime !== 0) return byTime;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The other running runs of `run`'s pipeline, oldest first. */
export function rivalsOf(run: Run, others: readonly Run[]): Run[] {
  return others
    .filter((other) => other.id !== run.id && other.pipeline === run.pipeline && !isTerminal(other))
    .sort(compareAge);
}

/**
 * The run that supersedes `run`, if any: under `supersede`, the newest running run of the same
 * pipeline that is newer than `run`. `undefined` in the other modes.
 */
export function supersedingRun(run: Run, others: readonly Run[], mode: ConcurrencyMode): Run | undefined {
  if (mode !== 'supersede') return undefined;
  return rivalsOf(run, others)
    .filter((other) => compareAge(other, run) > 0)
    .at(-1);
}

/** The run `run` waits for before it may build: under `queue`, the oldest older running run. */
export function buildBlocker(run: Run, others: readonly Run[], mode: ConcurrencyMode): Run | undefined {
  if (mode !== 'queue') return undefined;
  return rivalsOf(run, others).find((other) => compareAge(other, run) < 0);
}

/** Whether `run` may start its build now. */
export function mayStartBuild(run: Run, others: readonly Run[], mode: ConcurrencyMode): boolean {
  return buildBlocker(run, others, mode) === undefined;
}

/** Whether a run holds its pipeline's production slot: its canary or production stage is running. */
export function holdsProduction(run: Run): boolean {
  return (
    !isTerminal(run) &&
    (run.stages.canary.status === StageStatus.Running || run.stages.production.status === StageStatus.Running)
  );
}

/** The run holding the production slot that `run` waits for, if any. */
export function productionBlocker(run: Run, others: readonly Run[]): Run | undefined {
  return rivalsOf(run, others).find(holdsProduction);
}

/** Whether `run` may start its canary (the production deployment) now. */
export function mayStartProduction(run: Run, others: readonly Run[]): boolean {
  return productionBlocker(run, others) === undefined;
}

/** A running run whose build has not started: it is queued (or its `Run Started` is on its way). */
export function waitsToBuild(run: Run): boolean {
  return !isTerminal(run) && run.stages.build.status === StageStatus.Pending;
}

/** A running run past staging whose canary has not started: it waits for the production slot. */
export function waitsForProduction(run: Run): boolean {
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
export function nextBuildToResume(
  finished: Run,
  others: readonly Run[],
  mode: ConcurrencyMode,
): Run | undefined {
  if (mode !== 'queue') return undefined;
  const waiting = rivalsOf(finished, others).filter(waitsToBuild);
  return waiting.find((run) => mayStartBuild(run, others, mode));
}

/**
 * After `finished` ended, the runs of its pipeline waiting for the production slot, oldest first.
 * The caller re-decides each in turn (the first may supersede, the next may take the slot).
 */
export function productionWaiters(finished: Run, others: readonly Run[]): Run[] {
  return rivalsOf(finished, others).filter(waitsForProduction);
}
