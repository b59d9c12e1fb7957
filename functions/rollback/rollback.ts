import { isCurrent } from '../../shared/domain/next-step.ts';
import { StageStatus } from '../../shared/domain/run.ts';
import { silentLogger } from '../../shared/ports/logger.ts';
import type { HandlerDeps, StageHandler } from '../handler-deps.ts';
import type { StageHandlers } from '../stage-handlers.ts';

export type RollbackDeps = Pick<HandlerDeps, 'store' | 'deployer' | 'logger'>;

/**
 * rollback: on `Canary Unhealthy`, sends all production traffic back to the previous release and
 * stops the new one, giving the canary's reason. The deployment's end comes back through
 * finish-deployment (`Rolled Back` + `Run Finished` rolled_back). A redelivery for a run that has
 * ended does nothing; one that races the first is absorbed by `Deployer.rollback` being idempotent.
 */
export function makeRollback(deps: RollbackDeps): StageHandler {
  return async (event, context) => {
    const log = context?.logger ?? deps.logger ?? silentLogger;
    if (event.detailType !== 'Canary Unhealthy') return;
    const { runId, attempt, data } = event.detail;
    const run = (await deps.store.get(runId))?.run;
    if (!run || !isCurrent(run, attempt) || run.stages.canary.status !== StageStatus.Failed) return;
    if (run.canary?.deploymentId !== data.deploymentId) return;
    log.info('rolling back the canary', {
      runId,
      deploymentId: data.deploymentId,
      reason: data.verdict.reason,
    });
    await deps.deployer.rollback(data.deploymentId, data.verdict.reason);
  };
}

/** rollback's entry points, the same in both modes (see `makeStageHandlers`). */
export function rollbackStage(deps: RollbackDeps): StageHandlers['rollback'] {
  return { onEvent: makeRollback(deps) };
}
