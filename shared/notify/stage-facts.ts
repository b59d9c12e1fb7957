import type { MetricVerdict, Stage, TestCounts } from '../../events/common.ts';
import { formatDuration } from '../domain/duration.ts';
import { currentStage, type Run, type RunStatus, type StageState, type StageStatus } from '../domain/run.ts';

/** Slack emoji per stage status. */
export const SLACK_STAGE_ICON: Record<StageStatus, string> = {
  pending: ':white_circle:',
  running: ':large_blue_circle:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  skipped: ':heavy_minus_sign:',
  timed_out: ':alarm_clock:',
};

/** Terminal glyphs per stage status (one column wide, so console lines align). */
export const CONSOLE_STAGE_ICON: Record<StageStatus, string> = {
  pending: '·',
  running: '▶',
  succeeded: '✔',
  failed: '✖',
  skipped: '↷',
  timed_out: '⏱',
};

export const STAGE_LABEL: Record<Stage, string> = {
  source: 'Source',
  build: 'Build',
  staging: 'Staging',
  approval: 'Approval',
  canary: 'Canary',
  production: 'Production',
};

/** Slack emoji per run status. */
export const SLACK_RUN_ICON: Record<RunStatus, string> = {
  running: ':large_blue_circle:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  rolled_back: ':rewind:',
  superseded: ':fast_forward:',
  timed_out: ':alarm_clock:',
  cancelled: ':no_entry_sign:',
};

const FINISHED_WORDS: Record<Exclude<RunStatus, 'running'>, string> = {
  succeeded: 'Deployed to production',
  failed: 'Failed',
  rolled_back: 'Rolled back',
  superseded: 'Superseded by a newer run',
  timed_out: 'Timed out',
  cancelled: 'Cancelled',
};

const RUNNING_WORDS: Record<Stage, string> = {
  source: 'Starting',
  build: 'Building',
  staging: 'Deploying to staging',
  approval: 'Waiting for approval',
  canary: 'Canary',
  production: 'Deploying to production',
};

/** What the run is doing, in a few words: `Building`, `Canary at 10%`, `Rolled back`. */
export function runHeadline(run: Run): string {
  if (run.status !== 'running') return FINISHED_WORDS[run.status];
  const stage = currentStage(run);
  if (!stage) return 'Running';
  if (stage === 'canary' && run.canary) return `Canary at ${run.canary.trafficPercent}%`;
  return RUNNING_WORDS[stage];
}

/** Seconds a stage took (finished) or has taken so far (running); undefined if it never started. */
export function stageSeconds(state: StageState, now: Date): number | undefined {
  if (!state.startedAt) return undefined;
  const end = state.finishedAt ? Date.parse(state.finishedAt) : now.getTime();
  return Math.max(0, (end - Date.parse(state.startedAt)) / 1000);
}

/** The stage's duration for people (`42s`), or undefined when it has none. */
export function stageDuration(state: StageState, now: Date): string | undefined {
  const seconds = stageSeconds(state, now);
  return seconds === undefined ? undefined : formatDuration(seconds);
}

/** How long the whole run took (or has taken so far). */
export function runDuration(run: Run, now: Date): string {
  const end = run.finishedAt ? Date.parse(run.finishedAt) : now.getTime();
  return formatDuration(Math.max(0, (end - Date.parse(run.createdAt)) / 1000));
}

/** `18 passed · 1 failed · 2 skipped` (zero counts left out, except passed). */
export function testSummary(tests: TestCounts): string {
  const parts = [`${tests.passed} passed`];
  if (tests.failed) parts.push(`${tests.failed} failed`);
  if (tests.skipped) parts.push(`${tests.skipped} skipped`);
  return parts.join(' · ');
}

export const METRIC_ICON: Record<MetricVerdict['result'], string> = {
  pass: ':white_check_mark:',
  fail: ':x:',
  nodata: ':grey_question:',
};
