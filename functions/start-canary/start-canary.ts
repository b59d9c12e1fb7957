import { failMissingPipeline, supersede } from '../../shared/app/end-run.ts';
import { endRunOnPermanentError } from '../../shared/app/error-policy.ts';
import { KeyedMutex } from '../../shared/app/keyed-mutex.ts';
import { newEvent } from '../../shared/app/new-event.ts';
import { noteOnce } from '../../shared/app/note-once.ts';
import { holdProduction } from '../../shared/app/pipeline-operations.ts';
import { recordEvents } from '../../shared/app/record-events.ts';
import { findProductionBlocker, findProductionWaiters, findSupersedingRun } from '../../shared/app/rivals.ts';
import { waitsForProduction } from '../../shared/domain/concurrency.ts';
import { gateOpen, isCurrent } from '../../shared/domain/next-step.ts';
import { productionHold } from '../../shared/domain/production-hold.ts';
import { isTerminal } from '../../shared/domain/run.ts';
import { type Logger, silentLogger } from '../../shared/ports/logger.ts';
import type { HandlerDeps, StageHandler } from '../handler-deps.ts';
import type { StageHandlers } from '../stage-handlers.ts';

export type StartCanaryDeps = Pick<HandlerDeps, 'store' | 'pipelines' | 'clock' | 'deployer' | 'logger'>;

const NO_ARTIFACTS = { files: [], exportedVariables: {} };

/**
 * start-canary: on `Staging Deployed`, ends the run as superseded when a newer run of its pipeline
 * is running (under `supersede`); otherwise, when no other run of the pipeline holds production
 * (its canary or production stage running — in every concurrency mode), starts the production
 * deployment with the canary's share of traffic and announces `Canary Started`. A run that finds
 * production taken waits; on every `Run Finished` the runs waiting for that pipeline's production
 * slot are decided again, oldest first. A run whose pipeline is frozen, or outside its deploy
 * windows, waits too (a note says why and, for windows, when they next open); `Production
 * Released` — appended by the unfreeze, or by the watchdog when a window opens — decides it again.
 * Only production waits: the approval gate is asked and decided meanwhile.
 *
 * The slot check and its claim (`Canary Started`) run one at a time per pipeline in this process
 * (`KeyedMutex`); see there for AWS.
 */
export function makeStartCanary(deps: StartCanaryDeps): StageHandler {
  const { store, pipelines, clock, deployer } = deps;
  const perPipeline = new KeyedMutex();

  async function startCanary(runId: string, attempt: number, log: Logger): Promise<void> {
    const run = (await store.get(runId))?.run;
    if (!run || !isCurrent(run, attempt) || !waitsForProduction(run)) return;
    const pipeline = pipelines(run.pipeline);
    if (!pipeline) return failMissingPipeline(deps, run);
    // A required gate is asked by request-approval; the run goes on when it is approved.
    if (!gateOpen(run, pipeline)) return;

    const newer = await findSupersedingRun(store, run, pipeline.concurrency);
    if (newer) {
      log.info('run superseded before production', { runId, by: newer.id });
      return supersede(deps, run, newer, waitsForProduction);
    }
    // A freeze or the deploy windows hold production: the run waits, noted once, until an unfreeze
    // or the watchdog's round (a window opened) appends `Production Released` for it.
    const hold = productionHold(pipeline, (await store.getPipelineState(run.pipeline)).state, clock.now());
    if (hold) {
      log.info('run held before production', { runId, hold: hold.kind });
      return holdProduction(store, run, hold, clock);
    }
    const holder = await findProductionBlocker(store, run);
    if (holder) {
      log.info('run waits for the production slot', { runId, heldBy: holder.id });
      await noteOnce(store, runId, `production-slot:${holder.id}`, {
        at: clock.now().toISOString(),
        kind: 'waiting',
        message: `waiting for run ${holder.id} to finish its production deployment`,
      });
      return;
    }

    const canary = pipeline.production.canary;
    // An emergency redeploy (`--skip-canary`) takes all traffic at once and is never judged.
    const skip = run.skipCanary === true;
    const trafficPercent = skip ? 100 : canary.traffic;
    const { deploymentId } = await deployer.startCanary({
      runId,
      attempt,
      pipeline,
      environment: 'production',
      commit: run.source.commit,
      artifacts: run.build?.artifacts ?? NO_ARTIFACTS,
      trafficPercent,
      ...(skip ? { allAtOnce: true } : {}),
    });
    await store.link({ kind: 'deployment', id: deploymentId }, runId);
    const data = {
      deploymentId,
      trafficPercent,
      intervalSeconds: canary.interval,
      bakeSeconds: canary.bake,
    };
    const recorded = await recordEvents(store, runId, (fresh) => {
      if (!isCurrent(fresh, attempt) || !waitsForProduction(fresh)) return [];
      const started = newEvent('Canary Started', fresh, 'canary', data, clock);
      if (!skip) return [started];
      // Said in the log: who skipped the canary, and that production took the release at once.
      const verdict = {
        result: 'healthy' as const,
        reason: `canary skipped: an emergency redeploy by ${fresh.by ?? 'someone'} (--skip-canary) takes all traffic at once`,
        metrics: [],
        alarms: [],
        judgedAt: clock.now().toISOString(),
      };
      return [started, newEvent('Canary Healthy', fresh, 'canary', { deploymentId, verdict }, clock)];
    });
    if (recorded) return;
    const fresh = (await store.get(runId))?.run;
    if (fresh && isTerminal(fresh) && fresh.canary?.deploymentId !== deploymentId) {
      log.warn('rolling back a canary whose run ended before it was recorded', { runId, deploymentId });
      await deployer.rollback(
        deploymentId,
        `run ${runId} ended (${fresh.status}) before its canary was recorded`,
      );
    }
  }

  async function decide(runId: string, attempt: number, pipeline: string, log: Logger): Promise<void> {
    await perPipeline.run(pipeline, () => startCanary(runId, attempt, log));
  }

  async function resumeWaiters(runId: string, pipeline: string, log: Logger): Promise<void> {
    const finished = (await store.get(runId))?.run;
    if (!finished) return;
    for (const waiter of await findProductionWaiters(store, finished)) {
      await decide(waiter.id, waiter.attempt, pipeline, log);
    }
  }

  return async (event, context) => {
    const log = context?.logger ?? deps.logger ?? silentLogger;
    const { runId, attempt, pipeline } = event.detail;
    if (
      event.detailType === 'Staging Deployed' ||
      event.detailType === 'Approved' ||
      event.detailType === 'Run Retried' ||
      event.detailType === 'Production Released'
    )
      await decide(runId, attempt, pipeline, log);
    else if (event.detailType === 'Run Finished') await resumeWaiters(runId, pipeline, log);
  };
}

/**
 * start-canary's entry points, the same in both modes (see `makeStageHandlers`). A canary that
 * cannot start because of the pipeline file or the account ends the run failed with that reason
 * instead of retrying into the dead-letter queue (only for the run whose staging just finished: a
 * `Run Finished` that woke waiters ends nobody).
 */
export function startCanaryStage(deps: StartCanaryDeps): StageHandlers['start-canary'] {
  return {
    onEvent: endRunOnPermanentError(deps, makeStartCanary(deps), {
      what: 'the production deployment could not start',
      stillApplies: waitsForProduction,
      only: ['Staging Deployed', 'Approved', 'Run Retried', 'Production Released'],
    }),
  };
}
