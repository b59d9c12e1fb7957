import type { PipelineEvent } from '../../events/pipeline-events.ts';
import { isCurrent } from '../../shared/domain/next-step.ts';
import { StageStatus } from '../../shared/domain/run.ts';
import { type HandlerDeps, silentLogger } from '../handler-deps.ts';

export type PromoteDeps = Pick<HandlerDeps, 'store' | 'deployer' | 'logger'>;

/**
 * promote: on `Canary Healthy`, shifts all production traffic to the new release. The deployment's
 * completion comes back through finish-deployment (`Production Deployed`). A redelivery for a run
 * whose production stage has ended does nothing; one that races the first is absorbed by
 * `Deployer.promote` being idempotent.
 */
export function makePromote(deps: PromoteDeps): (event: PipelineEvent) => Promise<void> {
  const log = deps.logger ?? silentLogger;
  return async (event) => {
    if (event.detailType !== 'Canary Healthy') return;
    const { runId, attempt, data } = event.detail;
    const run = (await deps.store.get(runId))?.run;
    if (!run || !isCurrent(run, attempt) || run.stages.production.status !== StageStatus.Running) return;
    if (run.canary?.deploymentId !== data.deploymentId) return;
    log.info('promoting the canary', { runId, deploymentId: data.deploymentId });
    await deps.deployer.promote(data.deploymentId);
  };
}
