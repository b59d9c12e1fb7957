import { newEvent } from '../../shared/app/new-event.ts';
import { noteOnce } from '../../shared/app/note-once.ts';
import { heldOnPurpose, releaseHeldRuns } from '../../shared/app/pipeline-operations.ts';
import { recordEvents } from '../../shared/app/record-events.ts';
import { allRunningRuns } from '../../shared/app/running-runs.ts';
import { waitsForProduction } from '../../shared/domain/concurrency.ts';
import { formatDuration } from '../../shared/domain/duration.ts';
import { isCurrent } from '../../shared/domain/next-step.ts';
import { productionHold, windowsOf } from '../../shared/domain/production-hold.ts';
import { type Run, StageStatus } from '../../shared/domain/run.ts';
import { type OverdueStage, overdueStages } from '../../shared/domain/watchdog.ts';
import { silentLogger } from '../../shared/ports/logger.ts';
import type { HandlerDeps } from '../handler-deps.ts';
import type { StageHandlers } from '../stage-handlers.ts';

export type WatchdogDeps = Pick<
  HandlerDeps,
  'store' | 'pipelines' | 'clock' | 'builder' | 'deployer' | 'logger'
>;

/** What one watchdog round did. */
export interface WatchdogReport {
  timedOut: { runId: string; stage: OverdueStage['stage']; stopped?: string }[];
  /** The runs held before production that the round released (a deploy window opened). */
  released?: string[];
}

/**
 * watchdog: first wakes the runs held before production whose pipeline opened (a deploy window
 * opened: `Production Released`, see `releaseHeldRuns`); then ends every running stage that
 * outlived its pipeline's timeout, so that no run hangs.
 * For each (pure `overdueStages`), it first stops what the stage waits for — the build, or the
 * deployment (rolled back) — then appends `Stage Timed Out` + `Run Finished` (timed_out). Stopping
 * first means a crash in between leaves the stage to the next round rather than a build running
 * for a run that has ended; a stop that fails is noted on the run and the run ends all the same.
 * Local mode runs it on a timer, AWS on a schedule; rounds may overlap safely (`recordEvents`).
 */
export function makeWatchdog(deps: WatchdogDeps): () => Promise<WatchdogReport> {
  const { store, pipelines, clock, builder, deployer } = deps;
  const log = deps.logger ?? silentLogger;

  async function stop(overdue: OverdueStage, reason: string): Promise<string | undefined> {
    const target = overdue.waitingOn;
    if (!target) return undefined;
    try {
      if (target.kind === 'build') await builder.stop(target.id, reason);
      else await deployer.rollback(target.id, reason);
      return target.id;
    } catch (error) {
      log.error('the watchdog could not stop a stage', { runId: overdue.run.id, target, error });
      await noteOnce(store, overdue.run.id, `watchdog-stop:${target.id}`, {
        at: clock.now().toISOString(),
        kind: 'watchdog',
        message: `could not stop ${target.kind} ${target.id}: ${error instanceof Error ? error.message : String(error)}`,
      });
      return undefined;
    }
  }

  /**
   * Wakes the held runs of every pipeline whose production is no longer held — a deploy window
   * opened (or a freeze was lifted and its unfreeze could not wake them all). Once per hold.
   */
  async function release(runs: readonly Run[], now: Date): Promise<string[]> {
    const released: string[] = [];
    const waiting = new Set(runs.filter(waitsForProduction).map((run) => run.pipeline));
    for (const name of waiting) {
      const pipeline = pipelines(name);
      if (!pipeline || productionHold(pipeline, (await store.getPipelineState(name)).state, now)) continue;
      const reason =
        windowsOf(pipeline).length > 0 ? 'a deploy window opened' : 'production is no longer frozen';
      released.push(...(await releaseHeldRuns(deps, name, { reason }, runs)));
    }
    return released;
  }

  return async () => {
    const report: WatchdogReport = { timedOut: [] };
    const now = clock.now();
    const runs = await allRunningRuns(store);
    const released = await release(runs, now);
    if (released.length > 0) report.released = released;
    for (const overdue of overdueStages(runs, pipelines, now)) {
      const { run, stage, startedAt, timeoutSeconds } = overdue;
      // A run held by a freeze or the windows waits on purpose, however long; once released, its
      // canary has its own timeout from then to start.
      if (
        stage === 'canary' &&
        overdue.neverStarted &&
        (await heldOnPurpose(store, run, now, timeoutSeconds))
      )
        continue;
      const reason = overdue.neverStarted
        ? `${stage} never started within ${formatDuration(timeoutSeconds)} of its turn (see the run's notes)`
        : `${stage} timed out after ${formatDuration(timeoutSeconds)}`;
      const stopped = await stop(overdue, reason);
      const recorded = await recordEvents(store, run.id, (fresh) => {
        const state = fresh.stages[stage];
        // The stage may have finished (or the run ended) since the list: then there is nothing to end.
        const unchanged = overdue.neverStarted
          ? state.status === StageStatus.Pending
          : state.status === StageStatus.Running && state.startedAt === startedAt;
        if (!isCurrent(fresh, run.attempt) || !unchanged) {
          return [];
        }
        return [
          newEvent(
            'Stage Timed Out',
            fresh,
            stage,
            { timeoutSeconds, startedAt, ...(stopped ? { stopped } : {}) },
            clock,
          ),
          newEvent('Run Finished', fresh, stage, { outcome: 'timed_out', reason }, clock),
        ];
      });
      if (recorded) {
        log.warn('stage timed out', { runId: run.id, stage, timeoutSeconds });
        report.timedOut.push({ runId: run.id, stage, ...(stopped ? { stopped } : {}) });
      }
    }
    return report;
  };
}

/** watchdog's entry point, the same in both modes: one round, on a clock (see `makeStageHandlers`). */
export function watchdogStage(deps: WatchdogDeps): StageHandlers['watchdog'] {
  return { onTick: makeWatchdog(deps) };
}
