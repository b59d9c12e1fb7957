import {
  buildBlocker,
  type ConcurrencyMode,
  nextBuildToResume,
  productionBlocker,
  productionWaiters,
  type RunSummary,
  supersedingRun,
} from '../domain/concurrency.ts';
import type { RunStore } from '../ports/run-store.ts';

/**
 * The concurrency decisions of `shared/domain/concurrency.ts`, each fed only the runs it can
 * be about, read from the store's active-run index (`RunStore.activeRuns`): at most two runs for
 * `queue` and `supersede`, the production holder, the runs waiting for production. A decision
 * costs the same whether 1 or 1,000 runs of the pipeline are waiting — a burst of pushes is O(n).
 */

/** Under `queue`, the older run `run` waits for: only the two oldest running runs can be it. */
export async function findBuildBlocker(
  store: RunStore,
  run: RunSummary,
  mode: ConcurrencyMode,
): Promise<RunSummary | undefined> {
  if (mode !== 'queue') return undefined;
  return buildBlocker(run, await store.activeRuns(run.pipeline, { order: 'oldest', limit: 2 }), mode);
}

/** Under `queue`, after `finished` ended, the run that may build now: only the oldest running one can. */
export async function findNextBuild(
  store: RunStore,
  finished: RunSummary,
  mode: ConcurrencyMode,
): Promise<RunSummary | undefined> {
  if (mode !== 'queue') return undefined;
  return nextBuildToResume(
    finished,
    await store.activeRuns(finished.pipeline, { order: 'oldest', limit: 2 }),
    mode,
  );
}

/** Under `supersede`, the run that overtakes `run`: only the two newest running runs can be it. */
export async function findSupersedingRun(
  store: RunStore,
  run: RunSummary,
  mode: ConcurrencyMode,
): Promise<RunSummary | undefined> {
  if (mode !== 'supersede') return undefined;
  return supersedingRun(run, await store.activeRuns(run.pipeline, { order: 'newest', limit: 2 }), mode);
}

/** The run holding `run`'s production slot, if any. */
export async function findProductionBlocker(
  store: RunStore,
  run: RunSummary,
): Promise<RunSummary | undefined> {
  return productionBlocker(run, await store.activeRuns(run.pipeline, { phase: 'production' }));
}

/** After `finished` ended, the runs of its pipeline waiting for production, oldest first. */
export async function findProductionWaiters(store: RunStore, finished: RunSummary): Promise<RunSummary[]> {
  return productionWaiters(finished, await runsAwaitingProduction(store, finished.pipeline));
}

/** The running runs of `pipeline` past staging whose canary has not started (at the gate, held), oldest first. */
export function runsAwaitingProduction(store: RunStore, pipeline: string): Promise<RunSummary[]> {
  return store.activeRuns(pipeline, { phase: 'awaiting-production' });
}
