import type { Stage } from '../../events/common.ts';
import { buildBlocker, productionBlocker } from './concurrency.ts';
import type { PipelineConfig } from './pipeline-config.ts';
import { isTerminal, previousStage, type Run, StageStatus } from './run.ts';
import { DEFAULT_APPROVAL_TIMEOUT, DEFAULT_TIMEOUTS } from './timeouts.ts';

/** A stage that ran longer than its pipeline allows. */
export interface OverdueStage {
  run: Run;
  stage: Exclude<Stage, 'source'>;
  startedAt: string;
  timeoutSeconds: number;
  /** How long the stage has run, in whole seconds. */
  elapsedSeconds: number;
  /** What the watchdog should stop: the build or the deployment the stage waits for, if known. */
  waitingOn?: { kind: 'build' | 'deployment'; id: string };
  /**
   * The stage never started although its turn came `elapsedSeconds` ago (`startedAt` is when the
   * stage before it ended): the handler that should have started it failed for good.
   */
  neverStarted?: true;
}

type TimedStage = OverdueStage['stage'];
const TIMED_STAGES: readonly TimedStage[] = ['build', 'staging', 'approval', 'canary', 'production'];

/**
 * The stages the watchdog must end: of the runs that are still running, every *running* stage
 * that started more than its pipeline's timeout ago (`timeouts.build`, `.staging`, `.canary`,
 * `.production`; an approval gate: the `timeout` it was requested with), and every *pending* stage whose turn came longer ago than its timeout although
 * nothing holds it back — the handler that should have started it failed for good (after its
 * retries), and without this the run would hang. A run queued behind another, or waiting for the
 * production slot, waits on purpose and is left alone. Pure: `now` is given.
 */
export function overdueStages(
  runs: readonly Run[],
  pipelines: (name: string) => PipelineConfig | undefined,
  now: Date,
): OverdueStage[] {
  const overdue: OverdueStage[] = [];
  for (const run of runs) {
    if (isTerminal(run)) continue;
    const pipeline = pipelines(run.pipeline);
    const timeouts = pipeline?.timeouts ?? DEFAULT_TIMEOUTS;
    // A gate waits as long as it said when it was requested (a reload of the file does not move it).
    const timeoutOf = (stage: TimedStage) =>
      stage === 'approval'
        ? (run.approval?.timeoutSeconds ?? pipeline?.production.approval.timeout ?? DEFAULT_APPROVAL_TIMEOUT)
        : timeouts[stage];
    for (const stage of TIMED_STAGES) {
      const state = run.stages[stage];
      if (state.status === StageStatus.Pending) {
        // A gate is requested only when required: a pending one is not a stuck one.
        if (stage === 'approval') continue;
        const stuck = neverStarted(run, stage, runs, pipelines, now, timeoutOf(stage));
        if (stuck) overdue.push(stuck);
        continue;
      }
      if (state.status !== StageStatus.Running || !state.startedAt) continue;
      const elapsedSeconds = Math.floor((now.getTime() - Date.parse(state.startedAt)) / 1000);
      const timeoutSeconds = timeoutOf(stage);
      if (elapsedSeconds <= timeoutSeconds) continue;
      const waitingOn = waitingOnOf(run, stage);
      overdue.push({
        run,
        stage,
        startedAt: state.startedAt,
        timeoutSeconds,
        elapsedSeconds,
        ...(waitingOn ? { waitingOn } : {}),
      });
    }
  }
  return overdue;
}

function waitingOnOf(run: Run, stage: TimedStage): OverdueStage['waitingOn'] {
  if (stage === 'build') return run.build ? { kind: 'build', id: run.build.buildId } : undefined;
  const id =
    stage === 'staging'
      ? run.staging?.deploymentId
      : (run.production?.deploymentId ?? run.canary?.deploymentId);
  return id ? { kind: 'deployment', id } : undefined;
}

/** A pending stage whose turn came more than `timeoutSeconds` ago and that nothing holds back. */
function neverStarted(
  run: Run,
  stage: TimedStage,
  runs: readonly Run[],
  pipelines: (name: string) => PipelineConfig | undefined,
  now: Date,
  timeoutSeconds: number,
): OverdueStage | undefined {
  const previous = run.stages[previousStage(run, stage) ?? 'source'];
  const turnCame = previous.status === StageStatus.Succeeded || previous.status === StageStatus.Skipped;
  if (!turnCame || !previous.finishedAt) return undefined;
  // A retried stage's turn came when the new attempt began, not when the stage before it ended.
  const turnAt = run.retriedAt && run.retriedAt > previous.finishedAt ? run.retriedAt : previous.finishedAt;
  const elapsedSeconds = Math.floor((now.getTime() - Date.parse(turnAt)) / 1000);
  if (elapsedSeconds <= timeoutSeconds) return undefined;
  const mode = pipelines(run.pipeline)?.concurrency ?? 'supersede';
  if (stage === 'build' && buildBlocker(run, runs, mode)) return undefined;
  if (stage === 'canary' && productionBlocker(run, runs)) return undefined;
  return { run, stage, startedAt: turnAt, timeoutSeconds, elapsedSeconds, neverStarted: true };
}
