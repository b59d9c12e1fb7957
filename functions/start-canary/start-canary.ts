import type { PipelineEvent } from '../../events/pipeline-events.ts';
import { newEvent } from '../../shared/app/new-event.ts';
import { recordEvents } from '../../shared/app/record-events.ts';
import {
  productionBlocker,
  productionWaiters,
  supersedingRun,
  waitsForProduction,
} from '../../shared/domain/concurrency.ts';
import { isCurrent } from '../../shared/domain/next-step.ts';
import { isTerminal } from '../../shared/domain/run.ts';
import { failMissingPipeline, supersede } from '../end-run.ts';
import { type HandlerDeps, KeyedMutex, noteOnce, runningRuns, silentLogger } from '../handler-deps.ts';

export type StartCanaryDeps = Pick<HandlerDeps, 'store' | 'pipelines' | 'clock' | 'deployer' | 'logger'>;

const NO_ARTIFACTS = { files: [], exportedVariables: {} };

/**
 * start-canary: on `Staging Deployed`, ends the run as superseded when a newer run of its pipeline
 * is running (under `supersede`); otherwise, when no other run of the pipeline holds production
 * (its canary or production stage running — in every concurrency mode), starts the production
 * deployment with the canary's share of traffic and announces `Canary Started`. A run that finds
 * production taken waits; on every `Run Finished` the runs waiting for that pipeline's production
 * slot are decided again, oldest first.
 *
 * The slot check and its claim (`Canary Started`) run one at a time per pipeline in this process
 * (`KeyedMutex`); see there for AWS.
 */
export function makeStartCanary(deps: StartCanaryDeps): (event: PipelineEvent) => Promise<void> {
  const { store, pipelines, clock, deployer } = deps;
  const log = deps.logger ?? silentLogger;
  const perPipeline = new KeyedMutex();

  async function startCanary(runId: string, attempt: number): Promise<void> {
    const run = (await store.get(runId))?.run;
    if (!run || !isCurrent(run, attempt) || !waitsForProduction(run)) return;
    const pipeline = pipelines(run.pipeline);
    if (!pipeline) return failMissingPipeline(deps, run);

    const others = await runningRuns(store, run.pipeline);
    const newer = supersedingRun(run, others, pipeline.concurrency);
    if (newer) {
      log.info('run superseded before production', { runId, by: newer.id });
      return supersede(deps, run, newer, waitsForProduction);
    }
    const holder = productionBlocker(run, others);
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
    const { deploymentId } = await deployer.startCanary({
      runId,
      attempt,
      pipeline,
      environment: 'production',
      commit: run.source.commit,
      artifacts: run.build?.artifacts ?? NO_ARTIFACTS,
      trafficPercent: canary.traffic,
    });
    await store.link({ kind: 'deployment', id: deploymentId }, runId);
    const data = {
      deploymentId,
      trafficPercent: canary.traffic,
      intervalSeconds: canary.interval,
      bakeSeconds: canary.bake,
    };
    const recorded = await recordEvents(store, runId, (fresh) =>
      isCurrent(fresh, attempt) && waitsForProduction(fresh)
        ? [newEvent('Canary Started', fresh, 'canary', data, clock)]
        : [],
    );
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

  async function decide(runId: string, attempt: number, pipeline: string): Promise<void> {
    await perPipeline.run(pipeline, () => startCanary(runId, attempt));
  }

  async function resumeWaiters(runId: string, pipeline: string): Promise<void> {
    const finished = (await store.get(runId))?.run;
    if (!finished) return;
    for (const waiter of productionWaiters(finished, await runningRuns(store, pipeline))) {
      await decide(waiter.id, waiter.attempt, pipeline);
    }
  }

  return async (event) => {
    const { runId, attempt, pipeline } = event.detail;
    if (event.detailType === 'Staging Deployed') await decide(runId, attempt, pipeline);
    else if (event.detailType === 'Run Finished') await resumeWaiters(runId, pipeline);
  };
}
