import {
  baseDetail,
  CanaryVerdict,
  IsoDateTime,
  NonEmpty,
  RunOutcomeSchema,
  StageSchema,
  TestCounts,
} from './common.ts';
import * as z from './zod-mini.ts';

/**
 * The zod contract of every pipeline event (EventBridge source `pushline`). A detail-type names
 * what happened; its `detail` carries the shared fields (`baseDetail`) plus stage-specific `data`.
 * Handlers parse at the edge with `parsePipelineEvent`; everything inside trusts `z.infer` types.
 */

const TRIGGER = z.enum(['push', 'manual', 'redeploy']);
/** A duration in whole seconds, one or more. */
const Seconds = z.int().check(z.minimum(1));

/** The release a redeploy takes back to production: an earlier run's build, not built again. */
const RedeployOf = z.object({
  runId: NonEmpty,
  buildId: NonEmpty,
  artifacts: z.lazy(() => BuildArtifacts),
  tests: z.optional(TestCounts),
});

export const RunStartedDetail = z.object({
  ...baseDetail,
  stage: z.literal('source'),
  data: z.object({
    trigger: z._default(TRIGGER, 'push'),
    /** Why the path filters could not be applied, when they could not. */
    pathsUnknownReason: z.optional(z.string()),
    /** Who started a run by hand (a redeploy, a manual run), and why when they said. */
    by: z.optional(NonEmpty),
    reason: z.optional(z.string()),
    /** A redeploy: the run whose release this run deploys again. */
    redeployOf: z.optional(RedeployOf),
    /** An emergency redeploy: production is deployed all at once, without a canary. */
    skipCanary: z.optional(z.boolean()),
  }),
});

export const BuildStartedDetail = z.object({
  ...baseDetail,
  stage: z.literal('build'),
  data: z.object({
    buildId: NonEmpty,
    logUrl: z.optional(z.string()),
  }),
});

export const BuildArtifacts = z.object({
  /** Where the artifacts are: a local directory, or an S3 location (`s3://bucket/key`). */
  location: z.optional(z.string()),
  files: z._default(z.array(z.string()), []),
  /** The buildspec's `env.exported-variables`, as CodeBuild exports them. */
  exportedVariables: z._default(z.record(z.string(), z.string()), {}),
});
export type BuildArtifacts = z.infer<typeof BuildArtifacts>;

export const TestsPassedDetail = z.object({
  ...baseDetail,
  stage: z.literal('build'),
  data: z.object({
    buildId: NonEmpty,
    tests: TestCounts,
    artifacts: z._default(BuildArtifacts, { files: [], exportedVariables: {} }),
    durationSeconds: z.optional(z.number().check(z.minimum(0))),
  }),
});

export const BuildFailureStatus = z.enum(['FAILED', 'FAULT', 'STOPPED', 'TIMED_OUT']);

export const BuildFailedDetail = z.object({
  ...baseDetail,
  stage: z.literal('build'),
  data: z.object({
    buildId: z.optional(z.string()),
    status: BuildFailureStatus,
    /** The phase that failed (`BUILD`, `INSTALL`, `DOWNLOAD_SOURCE`…), when known. */
    phase: z.optional(z.string()),
    reason: z.string(),
    tests: z.optional(TestCounts),
    failingTests: z._default(z.array(z.string()), []),
  }),
});

export const StagingStartedDetail = z.object({
  ...baseDetail,
  stage: z.literal('staging'),
  data: z.object({ deploymentId: NonEmpty, url: z.optional(z.string()) }),
});

export const StagingDeployedDetail = z.object({
  ...baseDetail,
  stage: z.literal('staging'),
  data: z
    .object({
      /** Absent only when staging was skipped: there was no deployment. */
      deploymentId: z.optional(NonEmpty),
      url: z.optional(z.string()),
      /** The pipeline has no staging target: the run goes on to the canary without one. */
      skipped: z.optional(z.boolean()),
      reason: z.optional(z.string()),
    })
    .check(
      z.refine((data) => data.skipped === true || data.deploymentId !== undefined, {
        message: 'deploymentId is required unless staging was skipped',
        path: ['deploymentId'],
      }),
    ),
});

export const StagingFailedDetail = z.object({
  ...baseDetail,
  stage: z.literal('staging'),
  data: z.object({
    deploymentId: z.optional(z.string()),
    reason: z.string(),
    errorCode: z.optional(z.string()),
  }),
});

export const ApprovalRequestedDetail = z.object({
  ...baseDetail,
  stage: z.literal('approval'),
  data: z.object({
    /** Who may decide (names of the pipeline file's `people`); empty: anyone who can reach the API. */
    approvers: z._default(z.array(NonEmpty), []),
    /** How long the gate waits before the watchdog ends the run `timed_out`. */
    timeoutSeconds: Seconds,
    /** Where the release is deployed for people to look at, when staging has a URL. */
    stagingUrl: z.optional(z.string()),
  }),
});

/** Who decided at the approval gate: a person's name (from `people:`), or a login or token name. */
const Decider = NonEmpty;

export const ApprovedDetail = z.object({
  ...baseDetail,
  stage: z.literal('approval'),
  data: z.object({ by: Decider, comment: z.optional(z.string()) }),
});

export const RejectedDetail = z.object({
  ...baseDetail,
  stage: z.literal('approval'),
  data: z.object({ by: Decider, reason: NonEmpty }),
});

export const CanaryStartedDetail = z.object({
  ...baseDetail,
  stage: z.literal('canary'),
  data: z.object({
    deploymentId: NonEmpty,
    trafficPercent: z.number().check(z.minimum(0), z.maximum(100)),
    intervalSeconds: Seconds,
    bakeSeconds: Seconds,
  }),
});

export const CanaryHealthyDetail = z.object({
  ...baseDetail,
  stage: z.literal('canary'),
  data: z.object({ deploymentId: NonEmpty, verdict: CanaryVerdict }),
});

export const CanaryUnhealthyDetail = z.object({
  ...baseDetail,
  stage: z.literal('canary'),
  data: z.object({ deploymentId: NonEmpty, verdict: CanaryVerdict }),
});

export const ProductionDeployedDetail = z.object({
  ...baseDetail,
  stage: z.literal('production'),
  data: z.object({ deploymentId: NonEmpty, url: z.optional(z.string()) }),
});

export const RolledBackDetail = z.object({
  ...baseDetail,
  stage: z.enum(['canary', 'production']),
  data: z.object({ deploymentId: z.optional(z.string()), reason: z.string() }),
});

export const RunFinishedDetail = z.object({
  ...baseDetail,
  stage: StageSchema,
  data: z.object({ outcome: RunOutcomeSchema, reason: z.optional(z.string()) }),
});

export const RunRetriedDetail = z.object({
  ...baseDetail,
  /** The stage the new attempt starts from: the one that failed or timed out. */
  stage: StageSchema,
  data: z.object({
    by: NonEmpty,
    reason: z.optional(z.string()),
    /** The attempt that failed; the event's own `attempt` is the new one (the next). */
    previousAttempt: z.int().check(z.minimum(1)),
  }),
});

export const StageTimedOutDetail = z.object({
  ...baseDetail,
  stage: StageSchema,
  data: z.object({
    timeoutSeconds: Seconds,
    startedAt: IsoDateTime,
    /** What the watchdog stopped (a build id, a deployment id), if anything. */
    stopped: z.optional(z.string()),
  }),
});

/**
 * A run waiting to start production may go on: the freeze that held it was lifted, or a deploy
 * window opened. It changes nothing in the run; start-canary decides the run again on it.
 */
export const ProductionReleasedDetail = z.object({
  ...baseDetail,
  stage: z.literal('canary'),
  data: z.object({
    /** Why: "unfrozen by Priya Natarajan", "a deploy window opened". */
    reason: NonEmpty,
    /** Who lifted the freeze, when someone did. */
    by: z.optional(NonEmpty),
  }),
});

/** detail-type → schema of its `detail`. The single registry handlers and the bus parse with. */
export const PIPELINE_EVENTS = {
  'Run Started': RunStartedDetail,
  'Build Started': BuildStartedDetail,
  'Tests Passed': TestsPassedDetail,
  'Build Failed': BuildFailedDetail,
  'Staging Started': StagingStartedDetail,
  'Staging Deployed': StagingDeployedDetail,
  'Staging Failed': StagingFailedDetail,
  'Approval Requested': ApprovalRequestedDetail,
  Approved: ApprovedDetail,
  Rejected: RejectedDetail,
  'Canary Started': CanaryStartedDetail,
  'Canary Healthy': CanaryHealthyDetail,
  'Canary Unhealthy': CanaryUnhealthyDetail,
  'Production Deployed': ProductionDeployedDetail,
  'Rolled Back': RolledBackDetail,
  'Run Finished': RunFinishedDetail,
  'Stage Timed Out': StageTimedOutDetail,
  'Run Retried': RunRetriedDetail,
  'Production Released': ProductionReleasedDetail,
} as const;

export type DetailType = keyof typeof PIPELINE_EVENTS;
export const DETAIL_TYPES = Object.keys(PIPELINE_EVENTS) as DetailType[];

/** The EventBridge `source` of every pipeline event. */
export const EVENT_SOURCE = 'pushline';

export type DetailOf<T extends DetailType> = z.output<(typeof PIPELINE_EVENTS)[T]>;
/** A pipeline event: its detail-type and its parsed detail, as one discriminated union. */
export type PipelineEvent = { [T in DetailType]: { detailType: T; detail: DetailOf<T> } }[DetailType];
export type EventOf<T extends DetailType> = Extract<PipelineEvent, { detailType: T }>;

export function isDetailType(value: unknown): value is DetailType {
  return typeof value === 'string' && Object.hasOwn(PIPELINE_EVENTS, value);
}
