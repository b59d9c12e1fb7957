import type { EventOf } from '../../events/pipeline-events.ts';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.ts';
import { personOf } from '../domain/people.ts';
import type { PipelineConfig, PushlineFile } from '../domain/pipeline-config.ts';
import { type Run, StageStatus } from '../domain/run.ts';
import type { Clock } from '../ports/clock.ts';
import { type Logger, silentLogger } from '../ports/logger.ts';
import type { RunStore } from '../ports/run-store.ts';
import { newId } from './new-event.ts';

export interface RedeployDeps {
  store: RunStore;
  clock: Clock;
  pipelines: (name: string) => PipelineConfig | undefined;
  people: () => PushlineFile['people'];
  /** Why the release's build cannot be deployed from where it lies (local: its artifacts are gone). */
  releaseProblem?: (run: Run) => Promise<string | undefined>;
  logger?: Logger;
}

/** Why `run`'s release cannot be deployed again, or `undefined` when it can. */
export function notRedeployable(run: Run): string | undefined {
  const build = run.stages.build.status;
  const built = build === StageStatus.Succeeded || (build === StageStatus.Skipped && run.redeployOf);
  if (!built || !run.build?.artifacts) return 'has no build to deploy (its build did not pass)';
  return undefined;
}

/**
 * Redeploys an earlier run's release: a NEW run of the same pipeline (trigger `redeploy`) with the
 * same push and the earlier run's build — its artifacts locally, its revision, image or Lambda
 * version on AWS — taken through staging, the approval gate and the canary to production without
 * building again. "Undo" is a redeploy of the release before the current one. The new run is
 * started as a push starts one (`startRuns`, idempotent by its own delivery id), so the
 * choreography takes it from there: deploy-staging acts on its `Run Started`.
 */
export function makeRedeploy(deps: RedeployDeps) {
  const log = deps.logger ?? silentLogger;
  return async function redeploy(
    runId: string,
    { by, reason, skipCanary }: { by: string; reason?: string; skipCanary?: boolean },
  ): Promise<Run> {
    if (!by?.trim()) throw new ValidationError('who redeploys (by) is required');
    const earlier = (await deps.store.get(runId))?.run;
    if (!earlier) throw new NotFoundError(`run ${runId} does not exist`);
    const why = notRedeployable(earlier) ?? (await deps.releaseProblem?.(earlier));
    if (why)
      throw new ConflictError(`run ${runId} ${why}`, { run: { id: earlier.id, status: earlier.status } });
    if (!deps.pipelines(earlier.pipeline)) {
      throw new ConflictError(
        `run ${runId} belongs to pipeline "${earlier.pipeline}", which is no longer in the pipeline file`,
        {
          run: { id: earlier.id, status: earlier.status },
        },
      );
    }
    const name = personOf(deps.people(), by.trim());
    const { build } = earlier;
    const started: EventOf<'Run Started'> = {
      detailType: 'Run Started',
      detail: {
        version: 1,
        eventId: newId(deps.clock),
        runId: newId(deps.clock),
        pipeline: earlier.pipeline,
        stage: 'source',
        at: deps.clock.now().toISOString(),
        attempt: 1,
        source: earlier.source,
        data: {
          trigger: 'redeploy',
          by: name,
          ...(reason?.trim() ? { reason: reason.trim() } : {}),
          ...(skipCanary ? { skipCanary: true } : {}),
          redeployOf: {
            runId: earlier.id,
            buildId: build!.buildId,
            artifacts: build!.artifacts!,
            ...(build!.tests ? { tests: build!.tests } : {}),
          },
        },
      },
    };
    const { runIds } = await deps.store.startRuns(
      { id: `redeploy:${started.detail.eventId}`, provider: 'pushline' },
      [started],
    );
    log.info('redeployed', {
      runId: runIds[0],
      of: earlier.id,
      by: name,
      ...(skipCanary ? { skipCanary } : {}),
    });
    return (await deps.store.get(runIds[0]!))!.run;
  };
}
