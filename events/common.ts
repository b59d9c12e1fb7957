import { SourcePush } from './source-push.ts';
import * as z from './zod-mini.ts';

/** The stages of a run, in order. */
export const Stage = {
  Source: 'source',
  Build: 'build',
  Staging: 'staging',
  Approval: 'approval',
  Canary: 'canary',
  Production: 'production',
} as const;
export type Stage = (typeof Stage)[keyof typeof Stage];
export const STAGES: readonly Stage[] = Object.values(Stage);
export const StageSchema = z.enum(['source', 'build', 'staging', 'approval', 'canary', 'production']);

/** How a run can end. */
export const RunOutcome = {
  Succeeded: 'succeeded',
  Failed: 'failed',
  RolledBack: 'rolled_back',
  Superseded: 'superseded',
  TimedOut: 'timed_out',
  Cancelled: 'cancelled',
} as const;
export type RunOutcome = (typeof RunOutcome)[keyof typeof RunOutcome];
export const RunOutcomeSchema = z.enum([
  'succeeded',
  'failed',
  'rolled_back',
  'superseded',
  'timed_out',
  'cancelled',
]);

export const IsoDateTime = z.iso.datetime({ offset: true });
/** A string that is not empty. */
export const NonEmpty = z.string().check(z.minLength(1));
/** A whole number, zero or more. */
export const Count = z.int().check(z.minimum(0));

/** The fields every pipeline event's `detail` carries. */
export const baseDetail = {
  /** Schema version of this detail-type's `detail`. */
  version: z.literal(1),
  /** Unique per event; handlers and the run fold are idempotent by it. */
  eventId: NonEmpty,
  runId: NonEmpty,
  pipeline: NonEmpty,
  at: IsoDateTime,
  /** Which attempt of the run produced the event; events of an older attempt are ignored. */
  attempt: z._default(z.int().check(z.minimum(1)), 1),
  source: SourcePush,
};

export const TestCounts = z.object({
  total: Count,
  passed: Count,
  failed: Count,
  skipped: Count,
});
export type TestCounts = z.infer<typeof TestCounts>;

/** The verdict of the canary judge, one entry per metric. */
export const MetricVerdict = z.object({
  metric: z.string(),
  result: z.enum(['pass', 'fail', 'nodata']),
  reason: z.string(),
  value: z.optional(z.number()),
  baseline: z.optional(z.number()),
  threshold: z.optional(z.number()),
  pValue: z.optional(z.number()),
});
export const CanaryVerdict = z.object({
  result: z.enum(['healthy', 'unhealthy', 'inconclusive']),
  reason: z.string(),
  metrics: z.array(MetricVerdict),
  alarms: z._default(z.array(z.object({ name: z.string(), state: z.string() })), []),
  requests: z.optional(Count),
  judgedAt: IsoDateTime,
});
export type CanaryVerdict = z.infer<typeof CanaryVerdict>;
export type MetricVerdict = z.infer<typeof MetricVerdict>;
