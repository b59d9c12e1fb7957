import { allRunningRuns } from '../../shared/app/running-runs.ts';
import { canaryCheckAt, isCurrent, nextCanaryCheck } from '../../shared/domain/next-step.ts';
import { type Run, StageStatus } from '../../shared/domain/run.ts';
import { silentLogger } from '../../shared/ports/logger.ts';
import type { CanaryCheckTask } from '../../shared/ports/scheduler.ts';
import type { HandlerDeps, StageHandler } from '../handler-deps.ts';
import type { StageHandlers } from '../stage-handlers.ts';
import { type CheckCanaryDeps, checkKey, makeCheckCanary } from './check-canary.ts';

export { type CheckCanaryDeps, checkKey, makeCheckCanary, SAMPLE_RETRIES } from './check-canary.ts';

export type JudgeCanaryDeps = Pick<HandlerDeps, 'store' | 'clock' | 'scheduler' | 'logger'>;

/** A CloudWatch alarm's state change, normalised (`detail.alarmName`, `detail.state.value`). */
export interface AlarmStateChange {
  alarmName: string;
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
}

/** Check `check` of the canary `run` is running, as a task (`undefined` when no canary runs). */
function taskOf(run: Run, check: number): CanaryCheckTask | undefined {
  if (!run.canary || run.stages.canary.status !== StageStatus.Running) return undefined;
  return {
    kind: 'canary-check',
    runId: run.id,
    attempt: run.attempt,
    deploymentId: run.canary.deploymentId,
    check,
  };
}

/**
 * judge-canary: on `Canary Started`, schedules the canary's first check one interval later (the
 * checks then schedule each other until the bake ends: see `makeCheckCanary`). Scheduling is
 * idempotent by key, so a redelivered `Canary Started` schedules nothing new.
 */
export function makeJudgeCanary(deps: JudgeCanaryDeps): StageHandler {
  const { store, scheduler } = deps;
  return async (event) => {
    if (event.detailType !== 'Canary Started') return;
    const run = (await store.get(event.detail.runId))?.run;
    if (!run?.canary || !isCurrent(run, event.detail.attempt)) return;
    if (run.canary.deploymentId !== event.detail.data.deploymentId) return;
    const task = taskOf(run, 1);
    const startedAt = run.stages.canary.startedAt;
    if (!task || !startedAt) return;
    await scheduler.schedule({ key: checkKey(task), at: canaryCheckAt(startedAt, run.canary, 1).at, task });
  };
}

/**
 * A CloudWatch alarm went into `ALARM`: every running canary whose pipeline lists the alarm is
 * judged at once (rather than at its next check). Other states change nothing.
 */
export function makeAlarmFired(deps: CheckCanaryDeps): (alarm: AlarmStateChange) => Promise<void> {
  const check = makeCheckCanary(deps);
  const log = deps.logger ?? silentLogger;
  return async ({ alarmName, state }) => {
    if (state !== 'ALARM') return;
    const runs = await allRunningRuns(deps.store);
    for (const run of runs) {
      const alarms = deps.pipelines(run.pipeline)?.production.canary.alarms ?? [];
      const task = alarms.includes(alarmName) ? taskOf(run, 0) : undefined;
      if (!task) continue;
      log.info('judging a canary at once: its alarm fired', { runId: run.id, alarmName });
      await check(task, { firingAlarm: alarmName });
    }
  };
}

/**
 * Re-arms the checks of every running canary (local mode calls it at start-up: in-process timers
 * die with the process). Each canary gets the first check still to come, at its time (a time
 * already past runs at once). Idempotent by key, like every schedule. Returns how many it re-armed.
 */
export function makeResumeCanaries(deps: JudgeCanaryDeps): () => Promise<number> {
  const { store, clock, scheduler } = deps;
  return async () => {
    let armed = 0;
    for (const run of await allRunningRuns(store)) {
      const startedAt = run.stages.canary.startedAt;
      if (!run.canary || !startedAt) continue;
      const check = nextCanaryCheck(startedAt, run.canary, clock.now());
      const task = taskOf(run, check);
      if (!task) continue;
      await scheduler.schedule({
        key: checkKey(task),
        at: canaryCheckAt(startedAt, run.canary, check).at,
        task,
      });
      armed++;
    }
    return armed;
  };
}

/**
 * judge-canary's entry points, the same in both modes (see `makeStageHandlers`): `Canary Started`
 * schedules the first check; a scheduled check judges; an alarm that fired judges at once; and
 * `resume` re-arms the checks after a restart (local mode's timers die with the process).
 */
export function judgeCanaryStage(deps: CheckCanaryDeps): StageHandlers['judge-canary'] {
  const check = makeCheckCanary(deps);
  return {
    onEvent: makeJudgeCanary(deps),
    onCheck: (task) => check(task),
    onAlarm: makeAlarmFired(deps),
    resume: makeResumeCanaries(deps),
  };
}
