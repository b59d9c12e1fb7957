import type { BuildOutcome } from '../shared/ports/builder.ts';
import type { DeploymentOutcome } from '../shared/ports/deployer.ts';
import { silentLogger } from '../shared/ports/logger.ts';
import type { CanaryCheckTask } from '../shared/ports/scheduler.ts';
import { deployStagingStage } from './deploy-staging/deploy-staging.ts';
import { finishBuildStage } from './finish-build/finish-build.ts';
import { finishDeploymentStage } from './finish-deployment/finish-deployment.ts';
import type { HandlerDeps, StageContext, StageHandler } from './handler-deps.ts';
import { type AlarmStateChange, judgeCanaryStage } from './judge-canary/judge-canary.ts';
import { type NotifyStageDeps, notifyStage } from './notify/notify.ts';
import { promoteStage } from './promote/promote.ts';
import { requestApprovalStage } from './request-approval/request-approval.ts';
import { rollbackStage } from './rollback/rollback.ts';
import { startBuildStage } from './start-build/start-build.ts';
import { startCanaryStage } from './start-canary/start-canary.ts';
import type { FunctionName, PipelineSubscriber, SCHEDULES } from './subscriptions.ts';
import { type WatchdogReport, watchdogStage } from './watchdog/watchdog.ts';

/**
 * Every function's entry points, by function name — one set for both modes:
 *
 * - `onEvent`: a pipeline event it subscribes to (`SUBSCRIPTIONS[name].pipelineEvents`).
 * - `onOutcome`: a build's or a deployment's outcome, normalised (AWS: CodeBuild's and
 *   CodeDeploy's state-change events, read by the Lambda root; local: the runner's callbacks).
 * - `onCheck` / `onAlarm` / `resume`: judge-canary's scheduled checks, CloudWatch alarms, and the
 *   re-arming of checks after a restart.
 * - `onTick`: a function run on a clock (`SCHEDULES`).
 *
 * The receivers (receive-github, receive-gitlab, receive-codecommit) start runs from a Git host
 * and are not stage handlers: they have composition roots of their own in both modes.
 */
export interface StageHandlers {
  'start-build': { onEvent: StageHandler };
  'finish-build': { onOutcome: (outcome: BuildOutcome, context?: StageContext) => Promise<void> };
  'deploy-staging': { onEvent: StageHandler };
  'finish-deployment': {
    onOutcome: (outcome: DeploymentOutcome, context?: StageContext) => Promise<void>;
  };
  'request-approval': { onEvent: StageHandler };
  'start-canary': { onEvent: StageHandler };
  'judge-canary': {
    onEvent: StageHandler;
    onCheck: (task: CanaryCheckTask) => Promise<void>;
    onAlarm: (alarm: AlarmStateChange) => Promise<void>;
    resume: () => Promise<number>;
  };
  promote: { onEvent: StageHandler };
  rollback: { onEvent: StageHandler };
  notify: { onEvent: StageHandler };
  watchdog: { onTick: () => Promise<WatchdogReport> };
}

/** The functions that start runs; every other function of the tables is a stage handler. */
export type Receiver = 'receive-codecommit';

// The compiler holds the tables and the handlers together: a function added to SUBSCRIPTIONS or
// SCHEDULES without its entry here, or subscribed to pipeline events without an `onEvent`, fails
// `tsc` (and so `npm test`) on one of these two lines.
type Holds<T extends true> = T;
export type EveryFunctionHasHandlers = Holds<
  Exclude<FunctionName | keyof typeof SCHEDULES, keyof StageHandlers | Receiver> extends never ? true : false
>;
export type EverySubscriberTakesEvents = Holds<
  StageHandlers[PipelineSubscriber] extends { onEvent: StageHandler } ? true : false
>;

/** What the whole set is made with: the handlers' deps, and the notifiers (built from secrets). */
export type StageDeps = HandlerDeps & Pick<NotifyStageDeps, 'notifiers'>;

/**
 * Every stage handler, made from one set of adapters: what local mode registers on its bus and
 * the tests drive. Each function's entry points come from its own `<name>Stage(deps)` — the same
 * ones its Lambda root takes, so a rule (the error policy of deploy-staging and start-canary, say)
 * holds in both modes. A Lambda root imports only its own function's stage, not this factory:
 * esbuild cannot drop the unused properties of an object, and every function's code would load
 * at every cold start.
 */
export function makeStageHandlers(deps: StageDeps): StageHandlers {
  return {
    'start-build': startBuildStage(deps),
    'finish-build': finishBuildStage(deps),
    'deploy-staging': deployStagingStage(deps),
    'finish-deployment': finishDeploymentStage(deps),
    'request-approval': requestApprovalStage(deps),
    'start-canary': startCanaryStage(deps),
    'judge-canary': judgeCanaryStage(deps),
    promote: promoteStage(deps),
    rollback: rollbackStage(deps),
    notify: notifyStage({ ...deps, logger: deps.logger ?? silentLogger }),
    watchdog: watchdogStage(deps),
  };
}
