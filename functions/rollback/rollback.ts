import type { PipelineEvent } from '../../events/pipeline-events.ts';
import { isCurrent } from '../../shared/domain/next-step.ts';
import { StageStatus } from '../../shared/domain/run.ts';
import { type HandlerDeps, silentLogger } from '../handler-deps.ts';

export type RollbackDeps = Pick<HandlerDeps, 'store' | 'deployer' | 'logger'>;

/**
 * rollback: on `Canary Unhealthy`, sends all production traffic back to the previous release and
 * stops the new one, giving the canary's reason. The deployment's end comes back through
 * finish-deployment (`Rolled Back` + `Run Finished` rolled_back). A redelivery for a run that has
 * ended does nothing; one that races the first is absorbed by `Deployer.rollback` being idempotent.
 */
export function makeRollback(deps: RollbackDeps): (event: PipelineEvent) => Promise<void> {
  const log = deps.logger ?? silentLogger;
  return async (event) => {
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
