import { failMissingPipeline, supersede } from '../../shared/app/end-run.ts';
import { newEvent } from '../../shared/app/new-event.ts';
import { recordEvents } from '../../shared/app/record-events.ts';
import { findSupersedingRun, runsAwaitingProduction } from '../../shared/app/rivals.ts';
import { compareAge, type RunSummary } from '../../shared/domain/concurrency.ts';
import { isCurrent } from '../../shared/domain/next-step.ts';
import { type Run, StageStatus } from '../../shared/domain/run.ts';
import { silentLogger } from '../../shared/ports/logger.ts';
import type { HandlerDeps, StageHandler } from '../handler-deps.ts';
import type { StageHandlers } from '../stage-handlers.ts';

export type RequestApprovalDeps = Pick<HandlerDeps, 'store' | 'pipelines' | 'clock' | 'logger'>;

/** The boundary the gate is requested at: staging is done (or skipped) and the gate not yet asked. */
function atTheGate(run: Run): boolean {
  const staging = run.stages.staging.status;
  return (
    (staging === StageStatus.Succeeded || staging === StageStatus.Skipped) &&
    run.stages.approval.status === StageStatus.Pending &&
    run.stages.canary.status === StageStatus.Pending
  );
}

/** A run of the same pipeline waiting at the gate. */
function waitsAtTheGate(run: RunSummary): boolean {
  return run.status === 'running' && run.stages.approval.status === StageStatus.Running;
}

/**
 * request-approval: on `Staging Deployed`, when the pipeline requires an approval before
 * production (`production.approval`), asks for it — `Approval Requested`, with who may decide and
 * how long the gate waits (the watchdog ends it then). A pipeline without a gate does nothing here:
 * start-canary goes on, and the canary passes the gate as skipped.
 *
 * Under `supersede`, the newest run is the one people are asked about: a run overtaken by a newer
 * one ends superseded at the gate, and a run reaching the gate supersedes the older runs waiting
 * there. Under `queue` the runs already wait their turn at the build; under `parallel` each asks.
 */
export function makeRequestApproval(deps: RequestApprovalDeps): StageHandler {
  const { store, pipelines, clock } = deps;
  return async (event, context) => {
    if (event.detailType !== 'Staging Deployed' && event.detailType !== 'Run Retried') return;
    const log = context?.logger ?? deps.logger ?? silentLogger;
    const { runId, attempt } = event.detail;
    const run = (await store.get(runId))?.run;
    if (!run || !isCurrent(run, attempt) || !atTheGate(run)) return;
    const pipeline = pipelines(run.pipeline);
    if (!pipeline) return failMissingPipeline(deps, run);
    const gate = pipeline.production.approval;
    if (!gate.required) return;

    const newer = await findSupersedingRun(store, run, pipeline.concurrency);
    if (newer) {
      log.info('run superseded at the approval gate', { runId, by: newer.id });
      return supersede(deps, run, newer, atTheGate);
    }
    if (pipeline.concurrency === 'supersede') {
      for (const older of (await runsAwaitingProduction(store, run.pipeline)).filter(
        (o) => o.id !== run.id && waitsAtTheGate(o) && compareAge(o, run) < 0,
      )) {
        log.info('an older run waiting at the gate is superseded', { runId: older.id, by: runId });
        await supersede(deps, older, run, waitsAtTheGate);
      }
    }

    await recordEvents(store, runId, (fresh) =>
      isCurrent(fresh, attempt) && atTheGate(fresh)
        ? [
            newEvent(
              'Approval Requested',
              fresh,
              'approval',
              {
                approvers: gate.approvers,
                timeoutSeconds: gate.timeout,
                ...(fresh.staging?.url ? { stagingUrl: fresh.staging.url } : {}),
              },
              clock,
            ),
          ]
        : [],
    );
  };
}

/** request-approval's entry points, the same in both modes (see `makeStageHandlers`). */
export function requestApprovalStage(deps: RequestApprovalDeps): StageHandlers['request-approval'] {
  return { onEvent: makeRequestApproval(deps) };
}
