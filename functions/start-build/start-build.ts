import { failMissingPipeline } from '../../shared/app/end-run.ts';
import { newEvent } from '../../shared/app/new-event.ts';
import { noteOnce } from '../../shared/app/note-once.ts';
import { recordEvents } from '../../shared/app/record-events.ts';
import { findBuildBlocker, findNextBuild } from '../../shared/app/rivals.ts';
import { isCurrent } from '../../shared/domain/next-step.ts';
import { isTerminal, StageStatus } from '../../shared/domain/run.ts';
import { type Logger, silentLogger } from '../../shared/ports/logger.ts';
import type { HandlerDeps, StageHandler } from '../handler-deps.ts';
import type { StageHandlers } from '../stage-handlers.ts';

export type StartBuildDeps = Pick<HandlerDeps, 'store' | 'pipelines' | 'clock' | 'builder' | 'logger'>;

/**
 * start-build: on `Run Started`, starts the run's build and announces `Build Started` — unless the
 * pipeline queues runs and an older one is still running, in which case the run waits. On
 * `Run Finished`, under `queue`, starts the oldest run that was waiting behind the finished one.
 *
 * Idempotent: a run whose build has started is left alone, and `Builder.start` is idempotent per
 * run and attempt, so a redelivery (even one racing the first delivery) starts one build.
 */
export function makeStartBuild(deps: StartBuildDeps): StageHandler {
  const { store, pipelines, clock, builder } = deps;

  async function startBuild(runId: string, attempt: number, log: Logger): Promise<void> {
    const run = (await store.get(runId))?.run;
    if (!run || !isCurrent(run, attempt) || run.stages.build.status !== StageStatus.Pending) return;
    const pipeline = pipelines(run.pipeline);
    if (!pipeline) return failMissingPipeline(deps, run);

    const blocker = await findBuildBlocker(store, run, pipeline.concurrency);
    if (blocker) {
      log.info('run queued behind an older run', { runId, waitingFor: blocker.id });
      await noteOnce(store, runId, `queued:${blocker.id}`, {
        at: clock.now().toISOString(),
        kind: 'queued',
        message: `waiting for run ${blocker.id} to finish (concurrency: queue)`,
      });
      return;
    }

    const { buildId, logUrl } = await builder.start({ runId, attempt, pipeline, source: run.source });
    // Link before announcing: the build's completion can only find its run through this link.
    await store.link({ kind: 'build', id: buildId }, runId);
    const recorded = await recordEvents(store, runId, (fresh) =>
      isCurrent(fresh, attempt) && fresh.stages.build.status === StageStatus.Pending
        ? [newEvent('Build Started', fresh, 'build', { buildId, ...(logUrl ? { logUrl } : {}) }, clock)]
        : [],
    );
    if (!recorded) await stopIfOrphaned(runId, buildId, log);
  }

  /** The run ended (cancelled, say) while its build was being started: nobody wants the build. */
  async function stopIfOrphaned(runId: string, buildId: string, log: Logger): Promise<void> {
    const run = (await store.get(runId))?.run;
    if (!run || !isTerminal(run) || run.build?.buildId === buildId) return;
    log.warn('stopping a build whose run ended before it was recorded', { runId, buildId });
    await builder.stop(buildId, `run ${runId} ended (${run.status}) before its build was recorded`);
  }

  async function resumeQueue(runId: string, pipelineName: string, log: Logger): Promise<void> {
    const pipeline = pipelines(pipelineName);
    const finished = (await store.get(runId))?.run;
    if (!pipeline || !finished || pipeline.concurrency !== 'queue') return;
    const next = await findNextBuild(store, finished, pipeline.concurrency);
    if (next) await startBuild(next.id, next.attempt, log);
  }

  return async (event, context) => {
    const log = context?.logger ?? deps.logger ?? silentLogger;
    if (event.detailType === 'Run Started' || event.detailType === 'Run Retried')
      await startBuild(event.detail.runId, event.detail.attempt, log);
    else if (event.detailType === 'Run Finished')
      await resumeQueue(event.detail.runId, event.detail.pipeline, log);
  };
}

/** start-build's entry points, the same in both modes (see `makeStageHandlers`). */
export function startBuildStage(deps: StartBuildDeps): StageHandlers['start-build'] {
  return { onEvent: makeStartBuild(deps) };
}
