import type { PipelineEvent } from '../../events/pipeline-events.ts';
import { newEvent } from '../../shared/app/new-event.ts';
import { recordEvents } from '../../shared/app/record-events.ts';
import { isTerminal, type Run, StageStatus } from '../../shared/domain/run.ts';
import type { BuildOutcome } from '../../shared/ports/builder.ts';
import type { Clock } from '../../shared/ports/clock.ts';
import { silentLogger } from '../../shared/ports/logger.ts';
import type { HandlerDeps, StageContext } from '../handler-deps.ts';
import type { StageHandlers } from '../stage-handlers.ts';

export type FinishBuildDeps = Pick<HandlerDeps, 'store' | 'clock' | 'logger'>;

const NO_TESTS = { total: 0, passed: 0, failed: 0, skipped: 0 };
const LISTED_TESTS = 5;

/**
 * finish-build: turns a finished build (CodeBuild's state change, or the local runner's callback,
 * normalised to a `BuildOutcome`) into `Tests Passed`, or into `Build Failed` + `Run Finished`
 * (failed) in one append. A build that belongs to no run, to an older attempt, or to a run that has
 * moved on (a redelivery, a late event) appends nothing.
 */
export function makeFinishBuild(
  deps: FinishBuildDeps,
): (outcome: BuildOutcome, context?: StageContext) => Promise<void> {
  const { store, clock } = deps;

  return async (outcome, context) => {
    const log = context?.logger ?? deps.logger ?? silentLogger;
    const runId = outcome.runId ?? (await store.findByRef({ kind: 'build', id: outcome.buildId }));
    if (!runId || !(await store.get(runId))) {
      log.info('ignoring the outcome of a build that belongs to no run', { buildId: outcome.buildId });
      return;
    }
    await recordEvents(store, runId, (run) => decideBuildOutcome(run, outcome, clock));
  };
}

/** The events a build outcome means for `run` as it is now (`[]` when it means nothing new). */
export function decideBuildOutcome(run: Run, outcome: BuildOutcome, clock: Clock): PipelineEvent[] {
  const status = run.stages.build.status;
  if (isTerminal(run) || (status !== StageStatus.Pending && status !== StageStatus.Running)) return [];
  // A build the run is not on: an older attempt's, or a stray that found the run by its id.
  if (run.build && run.build.buildId !== outcome.buildId) return [];

  if (outcome.status === 'SUCCEEDED') {
    return [
      newEvent(
        'Tests Passed',
        run,
        'build',
        {
          buildId: outcome.buildId,
          tests: outcome.tests ?? NO_TESTS,
          artifacts: outcome.artifacts,
          ...(outcome.durationSeconds !== undefined ? { durationSeconds: outcome.durationSeconds } : {}),
        },
        clock,
      ),
    ];
  }
  const reason = outcome.reason ?? `build ${outcome.status.toLowerCase().replace('_', ' ')}`;
  return [
    newEvent(
      'Build Failed',
      run,
      'build',
      {
        buildId: outcome.buildId,
        status: outcome.status,
        ...(outcome.phase ? { phase: outcome.phase } : {}),
        reason,
        ...(outcome.tests ? { tests: outcome.tests } : {}),
        failingTests: outcome.failingTests,
      },
      clock,
    ),
    newEvent(
      'Run Finished',
      run,
      'build',
      { outcome: 'failed', reason: describeFailure(outcome, reason) },
      clock,
    ),
  ];
}

/** `build FAILED in BUILD: exit status 1; 2 failing tests: checkout › retries, cart › totals` */
export function describeFailure(outcome: BuildOutcome, reason: string): string {
  const where = outcome.phase ? ` in ${outcome.phase}` : '';
  let text = `build ${outcome.status}${where}: ${reason}`;
  const failing = outcome.failingTests;
  if (failing.length > 0) {
    const listed = failing.slice(0, LISTED_TESTS).join(', ');
    const more = failing.length > LISTED_TESTS ? ` and ${failing.length - LISTED_TESTS} more` : '';
    text += `; ${failing.length} failing test${failing.length === 1 ? '' : 's'}: ${listed}${more}`;
  }
  return text;
}

/** finish-build's entry point, the same in both modes: a build's outcome (see `makeStageHandlers`). */
export function finishBuildStage(deps: FinishBuildDeps): StageHandlers['finish-build'] {
  return { onOutcome: makeFinishBuild(deps) };
}
