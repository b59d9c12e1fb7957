import { failMissingPipeline, supersede } from '../../shared/app/end-run.ts';
import { endRunOnPermanentError } from '../../shared/app/error-policy.ts';
import { newEvent } from '../../shared/app/new-event.ts';
import { recordEvents } from '../../shared/app/record-events.ts';
import { findSupersedingRun } from '../../shared/app/rivals.ts';
import { hasTarget, isCurrent } from '../../shared/domain/next-step.ts';
import { isTerminal, type Run, StageStatus } from '../../shared/domain/run.ts';
import { silentLogger } from '../../shared/ports/logger.ts';
import type { HandlerDeps, StageHandler } from '../handler-deps.ts';
import type { StageHandlers } from '../stage-handlers.ts';

export type DeployStagingDeps = Pick<
  HandlerDeps,
  'store' | 'pipelines' | 'clock' | 'deployer' | 'platform' | 'logger'
>;

const NO_ARTIFACTS = { files: [], exportedVariables: {} };

/**
 * The boundary deploy-staging acts at: the build passed (or a redeploy reuses an earlier run's)
 * and staging has not begun.
 */
function atStagingBoundary(run: Run): boolean {
  const build = run.stages.build.status;
  const built =
    build === StageStatus.Succeeded || (build === StageStatus.Skipped && run.redeployOf !== undefined);
  return built && run.stages.staging.status === StageStatus.Pending;
}

/**
 * deploy-staging: on `Tests Passed`, ends the run as superseded when a newer run of its pipeline is
 * running (under `supersede`); otherwise deploys the build to staging and announces
 * `Staging Started`. A pipeline without a staging target (for the platform in use) announces
 * `Staging Deployed` with `skipped: true` at once, so start-canary carries on as usual and the run
 * shows staging as skipped.
 *
 * Idempotent: only a run at the staging boundary moves, and `Deployer.deploy` is idempotent per
 * run, attempt and environment.
 */
export function makeDeployStaging(deps: DeployStagingDeps): StageHandler {
  const { store, pipelines, clock, deployer } = deps;

  return async (event, context) => {
    const log = context?.logger ?? deps.logger ?? silentLogger;
    // A retry from staging finds the run at the same boundary as the build's success did.
    // A redeploy starts at staging: its Run Started finds the run at this boundary already.
    if (
      event.detailType !== 'Tests Passed' &&
      event.detailType !== 'Run Retried' &&
      event.detailType !== 'Run Started'
    )
      return;
    const { runId, attempt } = event.detail;
    const run = (await store.get(runId))?.run;
    if (!run || !isCurrent(run, attempt) || !atStagingBoundary(run)) return;
    const pipeline = pipelines(run.pipeline);
    if (!pipeline) return failMissingPipeline(deps, run);

    const newer = await findSupersedingRun(store, run, pipeline.concurrency);
    if (newer) {
      log.info('run superseded before staging', { runId, by: newer.id });
      return supersede(deps, run, newer, atStagingBoundary);
    }

    // No staging target, or an emergency redeploy (`--skip-canary`): the run passes staging skipped.
    const skipReason = run.skipCanary
      ? `an emergency redeploy by ${run.by ?? 'someone'} (--skip-canary) skips staging`
      : hasTarget(pipeline, 'staging', deps.platform)
        ? undefined
        : `pipeline "${pipeline.name}" has no staging target`;
    if (skipReason) {
      await recordEvents(store, runId, (fresh) =>
        isCurrent(fresh, attempt) && atStagingBoundary(fresh)
          ? [newEvent('Staging Deployed', fresh, 'staging', { skipped: true, reason: skipReason }, clock)]
          : [],
      );
      return;
    }

    const { deploymentId, url } = await deployer.deploy({
      runId,
      attempt,
      pipeline,
      environment: 'staging',
      commit: run.source.commit,
      artifacts: run.build?.artifacts ?? NO_ARTIFACTS,
    });
    await store.link({ kind: 'deployment', id: deploymentId }, runId);
    const recorded = await recordEvents(store, runId, (fresh) =>
      isCurrent(fresh, attempt) && atStagingBoundary(fresh)
        ? [newEvent('Staging Started', fresh, 'staging', { deploymentId, ...(url ? { url } : {}) }, clock)]
        : [],
    );
    if (recorded) return;
    const fresh = (await store.get(runId))?.run;
    if (fresh && isTerminal(fresh) && fresh.staging?.deploymentId !== deploymentId) {
      log.warn('stopping a staging deployment whose run ended before it was recorded', {
        runId,
        deploymentId,
      });
      await deployer.rollback(
        deploymentId,
        `run ${runId} ended (${fresh.status}) before staging was recorded`,
      );
    }
  };
}

/**
 * deploy-staging's entry points, the same in both modes (see `makeStageHandlers`). A deployment
 * that cannot start because of the pipeline file or the account (no exported task definition, no
 * such deployment group, no local start command) ends the run failed with that reason: retrying
 * cannot fix it, and the run must not wait for the watchdog with staging pending.
 */
export function deployStagingStage(deps: DeployStagingDeps): StageHandlers['deploy-staging'] {
  return {
    onEvent: endRunOnPermanentError(deps, makeDeployStaging(deps), {
      what: 'staging could not be deployed',
      stillApplies: (fresh) => fresh.stages.staging.status === StageStatus.Pending,
    }),
  };
}
