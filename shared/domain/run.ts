import type { CanaryVerdict, RunOutcome, Stage, TestCounts } from '../../events/common.ts';
import { STAGES } from '../../events/common.ts';
import type { BuildArtifacts, DetailType, PipelineEvent } from '../../events/pipeline-events.ts';
import type { SourcePush } from '../../events/source-push.ts';

/** The status of one stage of a run. */
export const StageStatus = {
  Pending: 'pending',
  Running: 'running',
  Succeeded: 'succeeded',
  Failed: 'failed',
  Skipped: 'skipped',
  TimedOut: 'timed_out',
} as const;
export type StageStatus = (typeof StageStatus)[keyof typeof StageStatus];

/** The status of a run: `running` until a `Run Finished` gives it its outcome. */
export const RunStatus = { Running: 'running' } as const;
export type RunStatus = typeof RunStatus.Running | RunOutcome;

export interface StageState {
  status: StageStatus;
  startedAt?: string;
  finishedAt?: string;
  /** Why the stage failed, timed out or was skipped. */
  reason?: string;
}

/** An event the fold kept but did not apply, with the reason. */
export interface IgnoredEvent {
  eventId: string;
  detailType: DetailType;
  at: string;
  reason: string;
}

/** A run: the fold of its event log. Never mutate one; `applyEvent` returns a new one. */
export interface Run {
  id: string;
  pipeline: string;
  attempt: number;
  status: RunStatus;
  source: SourcePush;
  trigger: 'push' | 'manual' | 'redeploy';
  /** Who started the run by hand (a redeploy, a manual run). */
  by?: string;
  /** A redeploy: the run whose release it deploys again (its build is reused, not run). */
  redeployOf?: string;
  /** An emergency redeploy: production all at once, the canary skipped (`--skip-canary`). */
  skipCanary?: true;
  pathsUnknownReason?: string;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** Why the run ended as it did (the failing phase, the canary's reason, the newer run). */
  reason?: string;
  stages: Record<Stage, StageState>;
  build?: {
    buildId: string;
    logUrl?: string;
    tests?: TestCounts;
    failingTests?: string[];
    phase?: string;
    artifacts?: BuildArtifacts;
  };
  staging?: { deploymentId?: string; url?: string };
  /** The approval gate, once requested: who may decide, how long it waits, and the decision. */
  approval?: {
    approvers: string[];
    timeoutSeconds: number;
    decision?: { verdict: 'approved' | 'rejected'; by: string; at: string; comment?: string };
  };
  canary?: {
    deploymentId: string;
    trafficPercent: number;
    intervalSeconds: number;
    bakeSeconds: number;
    verdict?: CanaryVerdict;
  };
  production?: { deploymentId?: string; url?: string };
  /** When the current attempt began, if it is a retry: the retried stage's turn came then. */
  retriedAt?: string;
  /** Every event id the fold has seen (applied or ignored), so a redelivery changes nothing. */
  seenEventIds: string[];
  ignored: IgnoredEvent[];
}

export type ApplyResult =
  | { kind: 'applied'; run: Run }
  | { kind: 'duplicate'; run: Run }
  | { kind: 'ignored'; run: Run; reason: string };

export function isTerminal(run: Pick<Run, 'status'>): boolean {
  return run.status !== RunStatus.Running;
}

export function isStageDone(status: StageStatus): boolean {
  return status !== StageStatus.Pending && status !== StageStatus.Running;
}

/** The stage that is running, if any (at most one is). */
export function currentStage(run: Run): Stage | undefined {
  return STAGES.find((stage) => run.stages[stage].status === StageStatus.Running);
}

/**
 * Folds one event into a run. Pure: the same run and event always give the same result.
 *
 * - An event whose `eventId` the run has seen is a `duplicate`: the run is returned unchanged.
 * - An event that does not fit the run's state (late, out of order, of an older attempt, for a run
 *   that has ended) is `ignored`: recorded with its reason in `run.ignored`, never applied.
 * - `Run Started` creates the run; any other event without a run is ignored.
 */
export function applyEvent(stored: Run | undefined, event: PipelineEvent): ApplyResult {
  const run = stored && withEveryStage(stored);
  if (run === undefined) {
    if (event.detailType !== 'Run Started') {
      throw new RangeError(
        `cannot fold "${event.detailType}" into a run that does not exist (${event.detail.runId})`,
      );
    }
    return { kind: 'applied', run: startRun(event) };
  }
  const { detail } = event;
  if (run.seenEventIds.includes(detail.eventId)) return { kind: 'duplicate', run };
  if (detail.runId !== run.id)
    return ignore(run, event, `event belongs to run ${detail.runId}, not ${run.id}`);
  if (event.detailType === 'Run Retried') {
    const next = retry(run, event);
    return typeof next === 'string'
      ? ignore(run, event, next)
      : {
          kind: 'applied',
          run: { ...next, updatedAt: detail.at, seenEventIds: [...run.seenEventIds, detail.eventId] },
        };
  }
  if (isTerminal(run)) return ignore(run, event, `run already finished: ${run.status}`);
  if (detail.attempt < run.attempt) {
    return ignore(run, event, `event of attempt ${detail.attempt}, run is on attempt ${run.attempt}`);
  }
  const next = transition(run, event);
  if (typeof next === 'string') return ignore(run, event, next);
  return {
    kind: 'applied',
    run: { ...next, updatedAt: detail.at, seenEventIds: [...run.seenEventIds, detail.eventId] },
  };
}

/** Folds a whole log, oldest first. */
export function foldEvents(events: readonly PipelineEvent[], initial?: Run): Run | undefined {
  let run = initial;
  for (const event of events) {
    if (run === undefined && event.detailType !== 'Run Started') continue;
    run = applyEvent(run, event).run;
  }
  return run;
}

/**
 * A run as it is now, whatever the version of Pushline that stored it: a stage added since (the
 * approval gate) is `pending` on a running run and `skipped` on a finished one. Stores read their
 * snapshots through it.
 */
export function withEveryStage(run: Run): Run {
  if (STAGES.every((stage) => run.stages[stage] !== undefined)) return run;
  const missing: StageState = { status: isTerminal(run) ? StageStatus.Skipped : StageStatus.Pending };
  return {
    ...run,
    stages: Object.fromEntries(STAGES.map((stage) => [stage, run.stages[stage] ?? missing])) as Record<
      Stage,
      StageState
    >,
  };
}

function startRun(event: Extract<PipelineEvent, { detailType: 'Run Started' }>): Run {
  const { detail } = event;
  const stages = Object.fromEntries(STAGES.map((s) => [s, { status: StageStatus.Pending }])) as Record<
    Stage,
    StageState
  >;
  stages.source = { status: StageStatus.Succeeded, startedAt: detail.source.pushedAt, finishedAt: detail.at };
  const redeploy = detail.data.redeployOf;
  if (redeploy) {
    stages.build = {
      status: StageStatus.Skipped,
      startedAt: detail.at,
      finishedAt: detail.at,
      reason: `redeploy: the build of run ${redeploy.runId} is reused`,
    };
  }
  return {
    id: detail.runId,
    pipeline: detail.pipeline,
    attempt: detail.attempt,
    status: RunStatus.Running,
    source: detail.source,
    trigger: detail.data.trigger,
    ...(detail.data.pathsUnknownReason ? { pathsUnknownReason: detail.data.pathsUnknownReason } : {}),
    ...(detail.data.by ? { by: detail.data.by } : {}),
    ...(detail.data.skipCanary ? { skipCanary: true as const } : {}),
    ...(redeploy
      ? {
          redeployOf: redeploy.runId,
          build: {
            buildId: redeploy.buildId,
            artifacts: redeploy.artifacts,
            ...(redeploy.tests ? { tests: redeploy.tests } : {}),
          },
        }
      : {}),
    createdAt: detail.at,
    updatedAt: detail.at,
    stages,
    seenEventIds: [detail.eventId],
    ignored: [],
  };
}

function ignore(run: Run, event: PipelineEvent, reason: string): ApplyResult {
  const entry: IgnoredEvent = {
    eventId: event.detail.eventId,
    detailType: event.detailType,
    at: event.detail.at,
    reason,
  };
  return {
    kind: 'ignored',
    reason,
    run: {
      ...run,
      seenEventIds: [...run.seenEventIds, event.detail.eventId],
      ignored: [...run.ignored, entry],
    },
  };
}

/** How a run may end and still be retried: it failed, or a stage timed out. */
const RETRYABLE: readonly RunStatus[] = ['failed', 'timed_out'];

/**
 * The stage a retry of `run` starts from: the first that failed or timed out (a promotion that
 * failed is retried from its canary); `undefined` when the run cannot be retried, with why.
 */
export function retryStage(run: Run): { stage: Stage } | { refused: string } {
  if (!RETRYABLE.includes(run.status)) {
    return { refused: `is ${run.status}; only a failed or timed-out run can be retried` };
  }
  const failed = STAGES.find((stage) =>
    [StageStatus.Failed, StageStatus.TimedOut].includes(run.stages[stage].status as never),
  );
  if (!failed) return { refused: `ended ${run.status} with no stage that failed or timed out` };
  return { stage: failed === 'production' ? 'canary' : failed };
}

/**
 * A new attempt of a finished run, from the stage that failed: the stages before it keep what they
 * did (a build's artifacts are reused), it and the ones after it are pending again, and the run
 * is running on the next attempt. Events of the earlier attempt are then ignored as usual.
 */
function retry(run: Run, event: Extract<PipelineEvent, { detailType: 'Run Retried' }>): Run | string {
  const { attempt, stage: from } = event.detail;
  if (attempt !== run.attempt + 1)
    return `Run Retried for attempt ${attempt}, run is on attempt ${run.attempt}`;
  const allowed = retryStage(run);
  if ('refused' in allowed) return `Run Retried does not fit: the run ${allowed.refused}`;
  if (allowed.stage !== from)
    return `Run Retried from ${from} does not fit: the run is retried from ${allowed.stage}`;
  const index = STAGES.indexOf(from);
  const stages = Object.fromEntries(
    STAGES.map((stage, i) => [stage, i < index ? run.stages[stage] : { status: StageStatus.Pending }]),
  ) as Record<Stage, StageState>;
  const { finishedAt: _f, reason: _r, ...rest } = run;
  const next: Run = { ...rest, status: RunStatus.Running, attempt, stages, retriedAt: event.detail.at };
  // What the retried stages recorded belongs to the earlier attempt.
  if (index <= STAGES.indexOf('build')) delete next.build;
  if (index <= STAGES.indexOf('staging')) delete next.staging;
  if (index <= STAGES.indexOf('approval')) delete next.approval;
  if (index <= STAGES.indexOf('canary')) {
    delete next.canary;
    delete next.production;
  }
  return next;
}

/**
 * The stages a person is shown: all of them, but the approval gate only when one was requested
 * (a pipeline without a gate would show a skipped stage on every run). The API lists every stage.
 */
export function visibleStages(run: Pick<Run, 'approval'>): readonly Stage[] {
  return run.approval ? STAGES : STAGES.filter((stage) => stage !== 'approval');
}

/**
 * The stage whose end gives `stage` its turn: the one before it — except for the canary, whose
 * turn comes after staging when no gate was requested (a gate nobody requires stays pending).
 */
export function previousStage(run: Run, stage: Stage): Stage | undefined {
  if (stage === 'canary' && run.stages.approval.status === StageStatus.Pending) return 'staging';
  return STAGES[STAGES.indexOf(stage) - 1];
}

/** The reason a rejected gate gives, on the stage and on the run. */
export function rejection(by: string, reason: string): string {
  return `rejected by ${by}: ${reason}`;
}

function setStage(run: Run, stage: Stage, state: StageState): Run {
  return { ...run, stages: { ...run.stages, [stage]: state } };
}

function expect(run: Run, stage: Stage, allowed: readonly StageStatus[], what: string): string | undefined {
  const status = run.stages[stage].status;
  return allowed.includes(status) ? undefined : `${what} does not fit: ${stage} is ${status}`;
}

const PENDING_OR_RUNNING = [StageStatus.Pending, StageStatus.Running] as const;
/** A build that passed, or a redeploy's build reused (skipped: not run again). */
const BUILT = [StageStatus.Succeeded, StageStatus.Skipped] as const;

/** The state machine proper: the next run, or the reason the event does not fit. */
function transition(run: Run, event: PipelineEvent): Run | string {
  const at = event.detail.at;
  const started = (): StageState => ({ status: StageStatus.Running, startedAt: at });
  const finished = (stage: Stage, status: StageStatus, reason?: string): StageState => ({
    ...run.stages[stage],
    status,
    startedAt: run.stages[stage].startedAt ?? at,
    finishedAt: at,
    ...(reason ? { reason } : {}),
  });

  switch (event.detailType) {
    case 'Run Started':
      return 'run already started';

    case 'Run Retried':
      return 'run is running: only a finished run is retried';

    case 'Build Started': {
      const misfit = expect(run, 'build', [StageStatus.Pending], 'Build Started');
      if (misfit) return misfit;
      const { buildId, logUrl } = event.detail.data;
      return {
        ...setStage(run, 'build', started()),
        build: { buildId, ...(logUrl ? { logUrl } : {}) },
      };
    }

    case 'Tests Passed': {
      const misfit = expect(run, 'build', PENDING_OR_RUNNING, 'Tests Passed');
      if (misfit) return misfit;
      const data = event.detail.data;
      if (run.build && run.build.buildId !== data.buildId) {
        return `Tests Passed for build ${data.buildId}, run is on build ${run.build.buildId}`;
      }
      return {
        ...setStage(run, 'build', finished('build', StageStatus.Succeeded)),
        build: { ...run.build, buildId: data.buildId, tests: data.tests, artifacts: data.artifacts },
      };
    }

    case 'Build Failed': {
      const misfit = expect(run, 'build', PENDING_OR_RUNNING, 'Build Failed');
      if (misfit) return misfit;
      const data = event.detail.data;
      if (run.build && data.buildId && run.build.buildId !== data.buildId) {
        return `Build Failed for build ${data.buildId}, run is on build ${run.build.buildId}`;
      }
      return {
        ...setStage(run, 'build', finished('build', StageStatus.Failed, data.reason)),
        build: {
          ...run.build,
          buildId: data.buildId ?? run.build?.buildId ?? 'unknown',
          ...(data.tests ? { tests: data.tests } : {}),
          failingTests: data.failingTests,
          ...(data.phase ? { phase: data.phase } : {}),
        },
      };
    }

    case 'Staging Started': {
      const misfit =
        expect(run, 'build', BUILT, 'Staging Started') ??
        expect(run, 'staging', [StageStatus.Pending], 'Staging Started');
      if (misfit) return misfit;
      const { deploymentId, url } = event.detail.data;
      return {
        ...setStage(run, 'staging', started()),
        staging: { deploymentId, ...(url ? { url } : {}) },
      };
    }

    case 'Staging Deployed': {
      const misfit =
        expect(run, 'build', BUILT, 'Staging Deployed') ??
        expect(run, 'staging', PENDING_OR_RUNNING, 'Staging Deployed');
      if (misfit) return misfit;
      const { deploymentId, url, skipped, reason } = event.detail.data;
      if (skipped) {
        const notYet = expect(run, 'staging', [StageStatus.Pending], 'Staging Deployed (skipped)');
        if (notYet) return notYet;
        return setStage(run, 'staging', {
          status: StageStatus.Skipped,
          startedAt: at,
          finishedAt: at,
          reason: reason ?? 'no staging target',
        });
      }
      if (run.staging?.deploymentId && run.staging.deploymentId !== deploymentId) {
        return `Staging Deployed for deployment ${deploymentId}, run is on ${run.staging.deploymentId}`;
      }
      return {
        ...setStage(run, 'staging', finished('staging', StageStatus.Succeeded)),
        staging: { deploymentId, ...(url ? { url } : {}) },
      };
    }

    case 'Staging Failed': {
      const misfit =
        expect(run, 'build', BUILT, 'Staging Failed') ??
        expect(run, 'staging', PENDING_OR_RUNNING, 'Staging Failed');
      if (misfit) return misfit;
      return setStage(run, 'staging', finished('staging', StageStatus.Failed, event.detail.data.reason));
    }

    case 'Approval Requested': {
      const misfit =
        expect(run, 'staging', [StageStatus.Succeeded, StageStatus.Skipped], 'Approval Requested') ??
        expect(run, 'approval', [StageStatus.Pending], 'Approval Requested') ??
        expect(run, 'canary', [StageStatus.Pending], 'Approval Requested');
      if (misfit) return misfit;
      const { approvers, timeoutSeconds } = event.detail.data;
      return { ...setStage(run, 'approval', started()), approval: { approvers, timeoutSeconds } };
    }

    case 'Approved':
    case 'Rejected': {
      const misfit = expect(run, 'approval', [StageStatus.Running], event.detailType);
      if (misfit) return misfit;
      const { by } = event.detail.data;
      const approved = event.detailType === 'Approved';
      const comment = approved ? event.detail.data.comment : event.detail.data.reason;
      const decision = {
        verdict: approved ? ('approved' as const) : ('rejected' as const),
        by,
        at,
        ...(comment ? { comment } : {}),
      };
      const approval = { ...run.approval!, decision };
      return approved
        ? { ...setStage(run, 'approval', finished('approval', StageStatus.Succeeded)), approval }
        : {
            ...setStage(run, 'approval', finished('approval', StageStatus.Failed, rejection(by, comment!))),
            approval,
          };
    }

    case 'Production Released':
      // Changes nothing: it wakes start-canary for a run that still waits for production.
      return (
        expect(run, 'staging', [StageStatus.Succeeded, StageStatus.Skipped], 'Production Released') ??
        expect(run, 'canary', [StageStatus.Pending], 'Production Released') ??
        run
      );

    case 'Canary Started': {
      // A gate that was never requested was not required: the canary passes it, skipped.
      const misfit =
        expect(run, 'staging', [StageStatus.Succeeded, StageStatus.Skipped], 'Canary Started') ??
        expect(run, 'approval', [StageStatus.Pending, StageStatus.Succeeded], 'Canary Started') ??
        expect(run, 'canary', [StageStatus.Pending], 'Canary Started');
      if (misfit) return misfit;
      const { deploymentId, trafficPercent, intervalSeconds, bakeSeconds } = event.detail.data;
      const gate =
        run.stages.approval.status === StageStatus.Pending
          ? setStage(run, 'approval', {
              status: StageStatus.Skipped,
              startedAt: at,
              finishedAt: at,
              reason: 'no approval required',
            })
          : run;
      return {
        ...setStage(gate, 'canary', started()),
        canary: { deploymentId, trafficPercent, intervalSeconds, bakeSeconds },
        production: { deploymentId },
      };
    }

    case 'Canary Healthy':
    case 'Canary Unhealthy': {
      const misfit = expect(run, 'canary', [StageStatus.Running], event.detailType);
      if (misfit) return misfit;
      const { deploymentId, verdict } = event.detail.data;
      if (run.canary && run.canary.deploymentId !== deploymentId) {
        return `${event.detailType} for deployment ${deploymentId}, canary is ${run.canary.deploymentId}`;
      }
      const canary = { ...run.canary!, verdict };
      if (event.detailType === 'Canary Healthy') {
        // Promotion begins at once: the production stage runs until the deployment completes. An
        // emergency redeploy's canary was never judged: skipped, with the verdict's reason.
        const next = run.skipCanary
          ? setStage(run, 'canary', finished('canary', StageStatus.Skipped, verdict.reason))
          : setStage(run, 'canary', finished('canary', StageStatus.Succeeded));
        return { ...setStage(next, 'production', started()), canary };
      }
      return { ...setStage(run, 'canary', finished('canary', StageStatus.Failed, verdict.reason)), canary };
    }

    case 'Production Deployed': {
      const misfit = expect(run, 'production', [StageStatus.Running], 'Production Deployed');
      if (misfit) return misfit;
      const { deploymentId, url } = event.detail.data;
      return {
        ...setStage(run, 'production', finished('production', StageStatus.Succeeded)),
        production: { deploymentId, ...(url ? { url } : {}) },
      };
    }

    case 'Rolled Back': {
      const canary = run.stages.canary.status;
      const production = run.stages.production.status;
      // A rollback ends a production deployment that is under way (canary or promotion), once.
      const underWay =
        canary === StageStatus.Failed || canary === StageStatus.Running || production === StageStatus.Running;
      if (!underWay || isStageDone(production)) {
        return `Rolled Back does not fit: canary is ${canary}, production is ${production}`;
      }
      const reason = event.detail.data.reason;
      let next = run;
      if (canary === StageStatus.Running)
        next = setStage(next, 'canary', finished('canary', StageStatus.Failed, reason));
      return setStage(next, 'production', {
        status: StageStatus.Failed,
        startedAt: run.stages.production.startedAt ?? at,
        finishedAt: at,
        reason: `rolled back: ${reason}`,
      });
    }

    case 'Stage Timed Out': {
      const stage = event.detail.stage;
      // A pending stage can time out (nothing ever started it), but only once its turn has come.
      const previous = previousStage(run, stage);
      const misfit =
        expect(run, stage, PENDING_OR_RUNNING, 'Stage Timed Out') ??
        (run.stages[stage].status === StageStatus.Pending && previous
          ? expect(run, previous, [StageStatus.Succeeded, StageStatus.Skipped], 'Stage Timed Out')
          : undefined);
      if (misfit) return misfit;
      return setStage(
        run,
        stage,
        finished(stage, StageStatus.TimedOut, `no progress within ${event.detail.data.timeoutSeconds}s`),
      );
    }

    case 'Run Finished': {
      const { outcome, reason } = event.detail.data;
      if (outcome === 'succeeded' && run.stages.production.status !== StageStatus.Succeeded) {
        return `Run Finished (succeeded) does not fit: production is ${run.stages.production.status}`;
      }
      const stages = { ...run.stages };
      for (const stage of STAGES) {
        const state = stages[stage];
        if (state.status === StageStatus.Pending) stages[stage] = { status: StageStatus.Skipped };
        else if (state.status === StageStatus.Running) {
          stages[stage] = {
            ...state,
            status:
              outcome === 'superseded' || outcome === 'cancelled' ? StageStatus.Skipped : StageStatus.Failed,
            finishedAt: at,
            ...(reason ? { reason } : {}),
          };
        }
      }
      return { ...run, stages, status: outcome, finishedAt: at, ...(reason ? { reason } : {}) };
    }
  }
}
