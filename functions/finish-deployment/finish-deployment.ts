import type { PipelineEvent } from '../../events/pipeline-events.ts';
import { newEvent } from '../../shared/app/new-event.ts';
import { recordEvents } from '../../shared/app/record-events.ts';
import { environmentOf } from '../../shared/domain/next-step.ts';
import { isTerminal, type Run, StageStatus } from '../../shared/domain/run.ts';
import type { Clock } from '../../shared/ports/clock.ts';
import type { DeploymentOutcome } from '../../shared/ports/deployer.ts';
import { silentLogger } from '../../shared/ports/logger.ts';
import type { HandlerDeps, StageContext } from '../handler-deps.ts';
import type { StageHandlers } from '../stage-handlers.ts';

export type FinishDeploymentDeps = Pick<HandlerDeps, 'store' | 'clock' | 'logger'>;

/**
 * finish-deployment: turns a finished deployment (CodeDeploy's state change, or the local
 * deployer's callback, normalised to a `DeploymentOutcome`) into the run's next events:
 *
 * | deployment | outcome | events |
 * |---|---|---|
 * | staging | SUCCEEDED | `Staging Deployed` |
 * | staging | FAILED / STOPPED | `Staging Failed` + `Run Finished` failed |
 * | production | SUCCEEDED | `Production Deployed` + `Run Finished` succeeded |
 * | production | rolled back, or stopped after an unhealthy canary | `Rolled Back` + `Run Finished` rolled_back (the canary's reason) |
 * | production | FAILED / STOPPED otherwise | `Run Finished` failed |
 *
 * A deployment of no run, of an older attempt, or of a run that has ended appends nothing.
 */
export function makeFinishDeployment(
  deps: FinishDeploymentDeps,
): (outcome: DeploymentOutcome, context?: StageContext) => Promise<void> {
  const { store, clock } = deps;

  return async (outcome, context) => {
    const log = context?.logger ?? deps.logger ?? silentLogger;
    const runId = outcome.runId ?? (await store.findByRef({ kind: 'deployment', id: outcome.deploymentId }));
    if (!runId || !(await store.get(runId))) {
      log.info('ignoring the outcome of a deployment that belongs to no run', {
        deploymentId: outcome.deploymentId,
      });
      return;
    }
    await recordEvents(store, runId, (run) => {
      const events = decideDeploymentOutcome(run, outcome, clock);
      if (events.some((e) => e.detailType === 'Canary Healthy')) {
        log.warn('the production deployment completed before the canary was judged', { runId, outcome });
      }
      return events;
    });
  };
}

/** The events a deployment outcome means for `run` as it is now (`[]` when it means nothing new). */
export function decideDeploymentOutcome(run: Run, outcome: DeploymentOutcome, clock: Clock): PipelineEvent[] {
  if (isTerminal(run)) return [];
  const { deploymentId } = outcome;
  let environment = environmentOf(run, deploymentId);
  // Staging Started may not be recorded yet (the deployer can finish before the append).
  if (!environment && outcome.environment === 'staging' && !run.staging?.deploymentId)
    environment = 'staging';
  if (environment === 'staging') return staging(run, outcome, clock);
  if (environment === 'production') return production(run, outcome, clock);
  return [];
}

function staging(run: Run, outcome: DeploymentOutcome, clock: Clock): PipelineEvent[] {
  const status = run.stages.staging.status;
  if (status !== StageStatus.Pending && status !== StageStatus.Running) return [];
  const { deploymentId } = outcome;
  if (outcome.status === 'SUCCEEDED') {
    const url = outcome.url ?? run.staging?.url;
    return [newEvent('Staging Deployed', run, 'staging', { deploymentId, ...(url ? { url } : {}) }, clock)];
  }
  const reason = outcome.reason ?? `staging deployment ${outcome.status.toLowerCase()}`;
  return [
    newEvent(
      'Staging Failed',
      run,
      'staging',
      { deploymentId, reason, ...(outcome.errorCode ? { errorCode: outcome.errorCode } : {}) },
      clock,
    ),
    newEvent(
      'Run Finished',
      run,
      'staging',
      { outcome: 'failed', reason: `staging failed: ${reason}` },
      clock,
    ),
  ];
}

function production(run: Run, outcome: DeploymentOutcome, clock: Clock): PipelineEvent[] {
  const { deploymentId } = outcome;
  const canary = run.stages.canary.status;
  const prod = run.stages.production.status;
  const unhealthy = canary === StageStatus.Failed ? run.canary?.verdict?.reason : undefined;

  if (outcome.status === 'SUCCEEDED' && !outcome.rolledBack) {
    const url = outcome.url ?? run.production?.url;
    const deployed = newEvent(
      'Production Deployed',
      run,
      'production',
      { deploymentId, ...(url ? { url } : {}) },
      clock,
    );
    const succeeded = newEvent('Run Finished', run, 'production', { outcome: 'succeeded' }, clock);
    if (prod === StageStatus.Running) return [deployed, succeeded];
    if (canary === StageStatus.Running) {
      // The platform shifted all traffic on its own before Pushline judged the canary (a deployment
      // config without a hold). Record what happened rather than pretend the canary is still on.
      const judgedAt = clock.now().toISOString();
      const verdict = {
        result: 'healthy' as const,
        reason: 'the deployment completed its traffic shift before the canary was judged',
        metrics: [],
        alarms: [],
        judgedAt,
      };
      return [
        newEvent('Canary Healthy', run, 'canary', { deploymentId, verdict }, clock),
        deployed,
        succeeded,
      ];
    }
    if (unhealthy !== undefined) {
      const reason = `the deployment completed before it could be rolled back (${unhealthy}); production runs the unhealthy release`;
      return [newEvent('Run Finished', run, 'production', { outcome: 'failed', reason }, clock)];
    }
    return [];
  }

  if (canary !== StageStatus.Running && canary !== StageStatus.Failed && prod !== StageStatus.Running)
    return [];
  if (outcome.rolledBack || unhealthy !== undefined) {
    const reason = unhealthy ?? outcome.reason ?? 'the production deployment was rolled back';
    const stage = prod === StageStatus.Running ? 'production' : 'canary';
    return [
      newEvent('Rolled Back', run, stage, { deploymentId, reason }, clock),
      newEvent('Run Finished', run, stage, { outcome: 'rolled_back', reason }, clock),
    ];
  }
  const reason = outcome.reason ?? `production deployment ${outcome.status.toLowerCase()}`;
  return [
    newEvent(
      'Run Finished',
      run,
      prod === StageStatus.Running ? 'production' : 'canary',
      {
        outcome: 'failed',
        reason: `production deployment failed: ${reason}`,
      },
      clock,
    ),
  ];
}

/** finish-deployment's entry point, the same in both modes: a deployment's outcome (see `makeStageHandlers`). */
export function finishDeploymentStage(deps: FinishDeploymentDeps): StageHandlers['finish-deployment'] {
  return { onOutcome: makeFinishDeployment(deps) };
}
