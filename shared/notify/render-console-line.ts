import type { PipelineEvent } from '../../events/pipeline-events.ts';
import type { Run, RunStatus } from '../domain/run.ts';
import { shortRunId } from '../domain/run-id.ts';
import { printable } from './printable.ts';
import { pushLabel } from './render-parts.ts';
import { CONSOLE_STAGE_ICON, runDuration, stageDuration } from './stage-facts.ts';

const RUN_ICON: Record<RunStatus, string> = {
  running: '▶',
  succeeded: '✔',
  failed: '✖',
  rolled_back: '↶',
  superseded: '↷',
  timed_out: '⏱',
  cancelled: '⊘',
};

/**
 * One readable line per stage change for the terminal, from the run's current state:
 * `web  #766747SE  build ✔ succeeded (42s, 18 tests)` (the run's short id, as `pushline runs` shows it),
 * with no control character from the push or a reason (`printable`). Pure.
 */
export function renderConsoleLine(run: Run, event: PipelineEvent, now: Date): string {
  return printable(consoleLine(run, event, now));
}

function consoleLine(run: Run, event: PipelineEvent, now: Date): string {
  const prefix = `${run.pipeline}  #${shortRunId(run.id)}  `;
  if (event.detailType === 'Run Started') return `${prefix}run ▶ started  ${pushLabel(run)}`;
  if (event.detailType === 'Run Finished') {
    const why = run.status !== 'succeeded' && run.reason ? `: ${run.reason}` : '';
    return `${prefix}run ${RUN_ICON[run.status]} ${words(run.status)} (${runDuration(run, now)})${why}`;
  }
  const stage = event.detail.stage;
  const state = run.stages[stage];
  const facts: string[] = [];
  const took = state.status === 'running' ? undefined : stageDuration(state, now);
  if (took) facts.push(took);
  if (stage === 'build' && run.build?.tests) {
    const { passed, failed, total } = run.build.tests;
    facts.push(
      total === 0
        ? 'no test report: add `reports:` to buildspec.yml'
        : failed
          ? `${failed} of ${total} tests failed`
          : `${passed} tests`,
    );
  }
  if (stage === 'canary' && state.status === 'running' && run.canary) {
    facts.push(`${run.canary.trafficPercent}% traffic`);
  }
  const detail = facts.length ? ` (${facts.join(', ')})` : '';
  const why =
    (state.status === 'failed' || state.status === 'timed_out') && state.reason ? `: ${state.reason}` : '';
  return `${prefix}${stage} ${CONSOLE_STAGE_ICON[state.status]} ${words(state.status)}${detail}${why}`;
}

function words(status: string): string {
  return status.replace('_', ' ');
}
