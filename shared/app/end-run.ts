import type { RunOutcome } from '../../events/common.ts';
import { endingStage, isCurrent } from '../domain/next-step.ts';
import type { Run } from '../domain/run.ts';
import type { Clock } from '../ports/clock.ts';
import type { RunStore } from '../ports/run-store.ts';
import { newEvent } from './new-event.ts';
import { recordEvents } from './record-events.ts';

/** What ending a run needs: the store it is recorded in and the time. */
export interface EndDeps {
  store: RunStore;
  clock: Clock;
}

/**
 * Appends `Run Finished` with `outcome` if the run is still running on the same attempt and
 * `stillApplies` holds on the freshly read run (another handler may have moved it on meanwhile).
 */
export async function finishRun(
  { store, clock }: EndDeps,
  run: Pick<Run, 'id' | 'attempt'>,
  outcome: RunOutcome,
  reason: string,
  stillApplies: (fresh: Run) => boolean = () => true,
): Promise<void> {
  await recordEvents(store, run.id, (fresh) =>
    isCurrent(fresh, run.attempt) && stillApplies(fresh)
      ? [newEvent('Run Finished', fresh, endingStage(fresh), { outcome, reason }, clock)]
      : [],
  );
}

/**
 * Ends a run whose pipeline is no longer in the pipeline file: nothing can tell the next stage
 * what to do, and a run must not hang.
 */
export async function failMissingPipeline(deps: EndDeps, run: Run): Promise<void> {
  await finishRun(deps, run, 'failed', `pipeline "${run.pipeline}" is no longer in the pipeline file`);
}

/** Ends `run` as superseded by `newer` at a stage boundary, while `atBoundary` still holds. */
export async function supersede(
  deps: EndDeps,
  run: Pick<Run, 'id' | 'attempt'>,
  newer: Pick<Run, 'id'> & { source: { commit: string } },
  atBoundary: (fresh: Run) => boolean,
): Promise<void> {
  const reason = `superseded by run ${newer.id} (commit ${newer.source.commit.slice(0, 7)})`;
  await finishRun(deps, run, 'superseded', reason, atBoundary);
}
