import type { CanaryVerdict, Stage } from '../../events/common.ts';
import { STAGES } from '../../events/common.ts';
import type { CanaryConfig, PipelineConfig } from './pipeline-config.ts';
import { currentStage, type Run, StageStatus } from './run.ts';

/**
 * Small pure decisions the stage handlers share: where a deployment belongs, which stage a run
 * ends in, when the canary is checked and what a check's verdicts mean. No I/O, no clock: times
 * are given.
 */

/** Which deployment targets the running adapters use: `local` blocks or `codedeploy` blocks. */
export type Platform = 'local' | 'aws';

/** Whether the pipeline deploys to `environment` on `platform` (either platform when not given). */
export function hasTarget(
  pipeline: PipelineConfig,
  environment: 'staging' | 'production',
  platform?: Platform,
) {
  const target = pipeline[environment];
  if (platform === 'local') return target.local !== undefined;
  if (platform === 'aws') return target.codedeploy !== undefined;
  return target.local !== undefined || target.codedeploy !== undefined;
}

/**
 * Whether the approval gate lets `run` go on to production: someone approved it, or `pipeline`
 * requires no approval (the gate was never requested).
 */
export function gateOpen(run: Run, pipeline: PipelineConfig): boolean {
  const gate = run.stages.approval.status;
  return (
    gate === StageStatus.Succeeded || (gate === StageStatus.Pending && !pipeline.production.approval.required)
  );
}

/** The environment a deployment of `run` belongs to, from the ids the run recorded. */
export function environmentOf(run: Run, deploymentId: string): 'staging' | 'production' | undefined {
  if (run.staging?.deploymentId === deploymentId) return 'staging';
  if (run.canary?.deploymentId === deploymentId || run.production?.deploymentId === deploymentId) {
    return 'production';
  }
  return undefined;
}

/** The stage a run ends in: the running one, else the last one that started. */
export function endingStage(run: Run): Stage {
  const running = currentStage(run);
  if (running) return running;
  const started = STAGES.filter((stage) => run.stages[stage].status !== StageStatus.Pending);
  return started.at(-1) ?? 'source';
}

/** Whether an event of `attempt` concerns the run as it is now (a running run, the same attempt). */
export function isCurrent(run: Run, attempt: number): boolean {
  return run.status === 'running' && run.attempt === attempt;
}

/**
 * The time of canary check `check` (1, 2, …): every `interval` after the canary started, the last
 * one exactly at the end of the bake. `last` is true for the check at (or after) the bake's end.
 */
export function canaryCheckAt(
  startedAt: string,
  canary: { intervalSeconds: number; bakeSeconds: number },
  check: number,
): { at: Date; last: boolean } {
  const offset = Math.min(check * canary.intervalSeconds, canary.bakeSeconds);
  return {
    at: new Date(Date.parse(startedAt) + offset * 1000),
    last: check * canary.intervalSeconds >= canary.bakeSeconds,
  };
}

/** The first check still to come at `now`: for re-arming the checks after a restart. */
export function nextCanaryCheck(
  startedAt: string,
  canary: { intervalSeconds: number; bakeSeconds: number },
  now: Date,
): number {
  const elapsed = Math.max(0, (now.getTime() - Date.parse(startedAt)) / 1000);
  const lastCheck = Math.ceil(canary.bakeSeconds / canary.intervalSeconds);
  return Math.min(Math.floor(elapsed / canary.intervalSeconds) + 1, lastCheck);
}

export type CanaryDecision =
  | { kind: 'unhealthy'; verdict: CanaryVerdict }
  | { kind: 'healthy'; verdict: CanaryVerdict }
  | { kind: 'wait'; verdict: CanaryVerdict };

/**
 * What one canary check decides from the verdict of the last interval and the verdict of the whole
 * canary so far: unhealthy in either → unhealthy at once; at the end of the bake, healthy overall →
 * healthy, while an inconclusive overall verdict follows `noData` (`rollback` → unhealthy with the
 * reason "no data: …", `promote` → healthy, saying it was promoted without data); otherwise wait.
 */
export function decideCanary(input: {
  window: CanaryVerdict;
  cumulative: CanaryVerdict;
  last: boolean;
  noData: CanaryConfig['noData'];
}): CanaryDecision {
  const { window, cumulative, last, noData } = input;
  if (window.result === 'unhealthy') return { kind: 'unhealthy', verdict: window };
  if (cumulative.result === 'unhealthy') return { kind: 'unhealthy', verdict: cumulative };
  if (!last) return { kind: 'wait', verdict: window };
  if (cumulative.result === 'healthy') return { kind: 'healthy', verdict: cumulative };
  const reason = `no data: ${cumulative.reason}`;
  return noData === 'promote'
    ? { kind: 'healthy', verdict: { ...cumulative, reason: `${reason} (noData: promote)` } }
    : { kind: 'unhealthy', verdict: { ...cumulative, reason } };
}
