import { isCurrent } from '../../shared/domain/next-step.ts';
import { StageStatus } from '../../shared/domain/run.ts';
import { silentLogger } from '../../shared/ports/logger.ts';
import type { HandlerDeps, StageHandler } from '../handler-deps.ts';
import type { StageHandlers } from '../stage-handlers.ts';

export type PromoteDeps = Pick<HandlerDeps, 'store' | 'deployer' | 'logger'>;

/**
 * promote: on `Canary Healthy`, shifts all production traffic to the new release. The deployment's
 * completion comes back through finish-deployment (`Production Deployed`). A redelivery for a run
 * whose production stage has ended does nothing; one that races the first is absorbed by
 * `Deployer.promote` being idempotent.
 */
export function makePromote(deps: PromoteDeps): StageHandler {
  return async (event, context) => {
    const log = context?.logger ?? deps.logger ?? silentLogger;
    if (event.detailType !== 'Canary Healthy') return;
    const { runId, attempt, data } = event.detail;
    const run = (await deps.store.get(runId))?.run;
    if (!run || !isCurrent(run, attempt) || run.stages.production.status !== StageStatus.Running) return;
    if (run.canary?.deploymentId !== data.deploymentId) return;
    log.info('promoting the canary', { runId, deploymentId: data.deploymentId });
    await deps.deployer.promote(data.deploymentId);
  };
}

/** promote's entry points, the same in both modes (see `makeStageHandlers`). */
export function promoteStage(deps: PromoteDeps): StageHandlers['promote'] {
  return { onEvent: makePromote(deps) };
}
