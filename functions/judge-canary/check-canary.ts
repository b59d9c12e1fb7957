import type { CanaryVerdict } from '../../events/common.ts';
import { newEvent } from '../../shared/app/new-event.ts';
import { recordEvents } from '../../shared/app/record-events.ts';
import { judgeCanary } from '../../shared/domain/canary-judge.ts';
import { canaryCheckAt, decideCanary, isCurrent } from '../../shared/domain/next-step.ts';
import type { PipelineConfig } from '../../shared/domain/pipeline-config.ts';
import { type Run, StageStatus } from '../../shared/domain/run.ts';
import { silentLogger } from '../../shared/ports/logger.ts';
import type { CanarySamples } from '../../shared/ports/metrics-source.ts';
import type { CanaryCheckTask } from '../../shared/ports/scheduler.ts';
import type { HandlerDeps } from '../handler-deps.ts';

export type CheckCanaryDeps = Pick<
  HandlerDeps,
  'store' | 'pipelines' | 'clock' | 'metrics' | 'scheduler' | 'logger'
>;

/** How often a check whose metrics could not be read is tried again before it counts as "no data". */
export const SAMPLE_RETRIES = 3;
const RETRY_AFTER_SECONDS = 15;

/** The scheduler key of a check: unique per run, attempt, check and retry (AWS schedule names allow `[\w.-]`). */
export function checkKey(task: CanaryCheckTask): string {
  return `canary-${task.runId}-${task.attempt}-${task.check}${task.retry ? `-r${task.retry}` : ''}`;
}

/** Whether `task` still concerns the canary `run` is running. */
export function isLive(run: Run, task: Pick<CanaryCheckTask, 'attempt' | 'deploymentId'>): boolean {
  return (
    isCurrent(run, task.attempt) &&
    run.stages.canary.status === StageStatus.Running &&
    run.canary?.deploymentId === task.deploymentId
  );
}

/**
 * One canary check (a scheduled `canary-check` task, or an alarm that fired): samples the metrics
 * of the last interval and of the whole canary so far, asks the pure judge about both, and appends
 * `Canary Unhealthy` / `Canary Healthy` — or schedules the next check. A check of a canary that has
 * ended, or of an older attempt, does nothing, so a check delivered twice is harmless.
 * `firingAlarm` (from the alarm handler) counts as in `ALARM` whatever the metrics source says, and
 * such a check schedules nothing (the regular checks go on).
 */
export function makeCheckCanary(
  deps: CheckCanaryDeps,
): (task: CanaryCheckTask, options?: { firingAlarm?: string }) => Promise<void> {
  const { store, pipelines, clock, metrics, scheduler } = deps;
  const log = deps.logger ?? silentLogger;

  return async (task, options = {}) => {
    const run = (await store.get(task.runId))?.run;
    if (!run?.canary || !isLive(run, task)) return;
    const pipeline = pipelines(run.pipeline);
    const now = clock.now();
    if (!pipeline) {
      const reason = `pipeline "${run.pipeline}" is no longer in the pipeline file; the canary cannot be judged`;
      return record(run, task, 'Canary Unhealthy', inconclusive(reason, now));
    }
    const config = pipeline.production.canary;
    const startedAt = run.stages.canary.startedAt ?? run.updatedAt;
    const firing = options.firingAlarm;
    // The bake is over at its last check, or whenever a check runs late past its end (after a restart).
    const bakeOver = now.getTime() >= Date.parse(startedAt) + run.canary.bakeSeconds * 1000;
    const last = !firing && (bakeOver || canaryCheckAt(startedAt, run.canary, task.check).last);

    let verdicts: { window: CanaryVerdict; cumulative: CanaryVerdict };
    try {
      const samples = await sampleBoth(
        pipeline,
        task.deploymentId,
        startedAt,
        run.canary.intervalSeconds,
        now,
      );
      // An alarm that fired counts as in ALARM even if the metrics source has not caught up yet.
      const judge = (s: CanarySamples) => judgeCanary({ config, samples: withAlarm(s, firing), now });
      verdicts = { window: judge(samples.window), cumulative: judge(samples.cumulative) };
    } catch (error) {
      const retry = (task.retry ?? 0) + 1;
      log.warn('could not read the canary metrics', { runId: run.id, check: task.check, retry, error });
      if (!firing && retry <= SAMPLE_RETRIES) {
        const again = { ...task, retry };
        const at = new Date(now.getTime() + RETRY_AFTER_SECONDS * 1000);
        await scheduler.schedule({ key: checkKey(again), at, task: again });
        return;
      }
      // Out of retries (or an alarm that cannot wait): what could not be read counts as no data.
      const message = error instanceof Error ? error.message : String(error);
      const unread = firing
        ? judgeCanary({ config, samples: withAlarm(noSamples(), firing), now })
        : inconclusive(`the canary metrics could not be read: ${message}`, now);
      verdicts = { window: unread, cumulative: unread };
    }
    const decision = decideCanary({ ...verdicts, last, noData: config.noData });
    if (decision.kind === 'unhealthy') return record(run, task, 'Canary Unhealthy', decision.verdict);
    if (decision.kind === 'healthy') return record(run, task, 'Canary Healthy', decision.verdict);
    if (firing) return;
    const next: CanaryCheckTask = { ...task, check: task.check + 1 };
    delete next.retry;
    await scheduler.schedule({
      key: checkKey(next),
      at: canaryCheckAt(startedAt, run.canary, next.check).at,
      task: next,
    });
  };

  async function sampleBoth(
    pipeline: PipelineConfig,
    deploymentId: string,
    startedAt: string,
    intervalSeconds: number,
    now: Date,
  ): Promise<{ window: CanarySamples; cumulative: CanarySamples }> {
    const since = new Date(Date.parse(startedAt));
    const windowStart = new Date(Math.max(since.getTime(), now.getTime() - intervalSeconds * 1000));
    const [window, cumulative] = await Promise.all([
      metrics.sample({ pipeline, deploymentId, start: windowStart, end: now }),
      metrics.sample({ pipeline, deploymentId, start: since, end: now }),
    ]);
    return { window, cumulative };
  }

  async function record(
    run: Run,
    task: CanaryCheckTask,
    detailType: 'Canary Healthy' | 'Canary Unhealthy',
    verdict: CanaryVerdict,
  ): Promise<void> {
    await recordEvents(store, run.id, (fresh) =>
      isLive(fresh, task)
        ? [newEvent(detailType, fresh, 'canary', { deploymentId: task.deploymentId, verdict }, clock)]
        : [],
    );
  }
}

function withAlarm(samples: CanarySamples, firing: string | undefined): CanarySamples {
  if (!firing) return samples;
  return {
    ...samples,
    alarms: [...samples.alarms.filter((a) => a.name !== firing), { name: firing, state: 'ALARM' }],
  };
}

function noSamples(): CanarySamples {
  return { series: [], canaryRequests: 0, alarms: [] };
}

function inconclusive(reason: string, now: Date): CanaryVerdict {
  return { result: 'inconclusive', reason, metrics: [], alarms: [], judgedAt: now.toISOString() };
}
