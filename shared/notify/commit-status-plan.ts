import { formatDuration } from '../domain/duration.ts';
import type { Run, StageState } from '../domain/run.ts';
import { stageSeconds, testSummary } from './stage-facts.ts';

/** The commit-status contexts Pushline sets, one per deployable step. */
export const STATUS_CONTEXTS = {
  build: 'pushline/build',
  staging: 'pushline/staging',
  production: 'pushline/production',
} as const;
export type StatusContext = keyof typeof STATUS_CONTEXTS;

/** Host-neutral status states; each host maps them to its own words. */
export type StatusState = 'pending' | 'running' | 'success' | 'failure' | 'error' | 'skipped' | 'canceled';

export interface PlannedStatus {
  context: StatusContext;
  state: StatusState;
  description: string;
  /** False while the step has not been reached: hosts leave such a context unset. */
  reached: boolean;
}

const DESCRIPTION_MAX = 140;

/**
 * What each commit-status context should say for the run's current state. Pure. `production`
 * covers the canary and the promotion, since both are production traffic. A context is `reached`
 * once Pushline is working towards it (the build at once; staging once the build succeeded;
 * production once staging did). A host leaves an unreached context unset, unless it set it
 * before — then it must resolve it, or a required check stays pending for ever.
 */
export function planCommitStatuses(run: Run): PlannedStatus[] {
  const { build, staging, canary } = run.stages;
  const tests = run.build?.tests;
  const canaryFailed = canary.status === 'failed' || canary.status === 'timed_out';
  const traffic = run.canary ? ` at ${run.canary.trafficPercent}% traffic` : '';
  return [
    step(run, 'build', build, true, {
      pending: 'Waiting to build',
      running: 'Building',
      success: `Built in ${took(build)}${tests ? `: ${testSummary(tests)}` : ''}`,
      label: 'Build',
    }),
    step(run, 'staging', staging, build.status === 'succeeded', {
      pending: 'Waiting for staging',
      running: 'Deploying to staging',
      success: `Deployed to staging in ${took(staging)}`,
      label: 'Staging',
    }),
    canaryFailed || canary.status === 'running'
      ? step(run, 'production', canary, true, {
          pending: '',
          running: `Canary${traffic}`,
          success: '',
          label: 'Canary',
        })
      : (atTheGate(run) ??
        step(run, 'production', run.stages.production, staging.status === 'succeeded', {
          pending: 'Waiting for production',
          running: 'Promoting to production',
          success: 'Deployed to production',
          label: 'Production',
        })),
  ];
}

/**
 * `pushline/production` while the run is at the approval gate or was stopped there: `pending`
 * "Waiting for approval" (GitHub and GitLab both have `pending`), a rejection `failure` with who
 * and why, a gate that timed out `error`. Undefined otherwise (no gate, or past it).
 */
function atTheGate(run: Run): PlannedStatus | undefined {
  const { approval, canary } = run.stages;
  if (!run.approval || canary.startedAt) return undefined;
  const reason = approval.reason ?? '';
  switch (approval.status) {
    case 'running':
      return status('production', 'pending', 'Waiting for approval', true);
    case 'failed':
      return status(
        'production',
        'failure',
        reason.charAt(0).toUpperCase() + reason.slice(1) || 'Rejected',
        true,
      );
    case 'timed_out':
      return status('production', 'error', `Approval timed out${reason ? `: ${reason}` : ''}`, true);
    default:
      return undefined;
  }
}

interface Words {
  pending: string;
  running: string;
  success: string;
  label: string;
}

function step(
  run: Run,
  context: StatusContext,
  state: StageState,
  ready: boolean,
  words: Words,
): PlannedStatus {
  const why = state.reason ? `: ${state.reason}` : '';
  switch (state.status) {
    case 'pending':
      return status(context, 'pending', words.pending, ready);
    case 'running':
      return status(context, 'running', words.running, true);
    case 'succeeded':
      return status(context, 'success', words.success, true);
    case 'failed':
      return status(context, 'failure', `${words.label} failed${why}`, true);
    case 'timed_out':
      return status(context, 'error', `${words.label} timed out${why}`, true);
    case 'skipped':
      if (run.status === 'superseded') return status(context, 'canceled', 'Superseded by a newer run', false);
      if (run.status === 'cancelled') return status(context, 'canceled', 'Cancelled', false);
      return status(context, 'skipped', `Skipped: the run ${run.status.replace('_', ' ')}`, false);
  }
}

function status(
  context: StatusContext,
  state: StatusState,
  description: string,
  reached: boolean,
): PlannedStatus {
  const text =
    description.length > DESCRIPTION_MAX ? `${description.slice(0, DESCRIPTION_MAX - 1)}…` : description;
  return { context, state, description: text, reached };
}

function took(state: StageState): string {
  const seconds = stageSeconds(state, new Date(state.finishedAt ?? state.startedAt ?? 0));
  return seconds === undefined ? '0s' : formatDuration(seconds);
}
