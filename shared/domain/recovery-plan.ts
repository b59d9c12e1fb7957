import type { PipelineConfig } from './pipeline-config.ts';
import { type Run, StageStatus } from './run.ts';

/** The environment a recovery step ends a deployment in. */
export type RecoveryEnvironment = 'staging' | 'production';

/**
 * What start-up does with a run that the previous server left running (see docs/crash-safety.md).
 * Only what the dead server was *doing* for the run needs a decision — a build, an app starting,
 * a canary under judgement, a promotion or rollback half-way; a run waiting for an event that is
 * still in the outbox is left to the outbox (`leave`).
 */
export type RecoveryStep =
  | { kind: 'leave' }
  | { kind: 'end-build'; reason: string }
  | { kind: 'restart-build' }
  | { kind: 'redeploy-staging' }
  | { kind: 'resume-canary' }
  | { kind: 'end-deployment'; environment: RecoveryEnvironment; rolledBack: boolean; reason: string }
  | { kind: 'complete-rollback'; reason: string }
  | { kind: 'complete-promotion' };

export const RESTART_REASONS = {
  build:
    'pushline restarted during the build and the build was stopped with it; push again to build this commit',
  bakeOver:
    'pushline restarted during the canary after its bake time had passed; the metrics it had gathered were lost with the old process, so the canary was rolled back',
} as const;

/**
 * The recovery step of one running `run` at `now` (pure). Builds a crash killed end (a buildspec
 * is not safe to run twice from an unknown point: its commands may publish); builds a graceful
 * shutdown interrupted start again; staging is deployed again (starting an app from its
 * artifacts is); a canary is started again when a whole check interval of its bake is left, else
 * rolled back; a rollback or promotion the canary's verdict had decided is completed.
 * `buildClaimed`: the dead server had started a build for the run's attempt; `buildInterrupted`:
 * that build was stopped by a graceful shutdown (not a crash), so it is started again.
 */
export function planRecovery(
  run: Run,
  pipeline: PipelineConfig | undefined,
  now: Date,
  buildClaimed: boolean,
  buildInterrupted = false,
): RecoveryStep {
  const { build, staging, canary, production } = run.stages;
  // A build a graceful shutdown interrupted was stopped by our choice, at a known point: it starts again.
  if (build.status === StageStatus.Running && buildInterrupted && pipeline) return { kind: 'restart-build' };
  if (build.status === StageStatus.Running || (build.status === StageStatus.Pending && buildClaimed)) {
    return { kind: 'end-build', reason: RESTART_REASONS.build };
  }
  const gone = (stage: string) =>
    `pushline restarted during the ${stage} and pipeline "${run.pipeline}" has no local target for it any more`;
  if (staging.status === StageStatus.Running) {
    return pipeline?.staging.local
      ? { kind: 'redeploy-staging' }
      : {
          kind: 'end-deployment',
          environment: 'staging',
          rolledBack: false,
          reason: gone('staging deployment'),
        };
  }
  if (canary.status === StageStatus.Running && run.canary) {
    if (!pipeline?.production.local) {
      return { kind: 'end-deployment', environment: 'production', rolledBack: false, reason: gone('canary') };
    }
    const startedAt = Date.parse(canary.startedAt ?? run.updatedAt);
    const bakeLeftMs = startedAt + run.canary.bakeSeconds * 1000 - now.getTime();
    return bakeLeftMs >= run.canary.intervalSeconds * 1000
      ? { kind: 'resume-canary' }
      : {
          kind: 'end-deployment',
          environment: 'production',
          rolledBack: true,
          reason: RESTART_REASONS.bakeOver,
        };
  }
  if (canary.status === StageStatus.Failed && production.status === StageStatus.Pending) {
    return {
      kind: 'complete-rollback',
      reason: run.canary?.verdict?.reason ?? 'the canary was judged unhealthy',
    };
  }
  if (production.status === StageStatus.Running) return { kind: 'complete-promotion' };
  return { kind: 'leave' };
}
