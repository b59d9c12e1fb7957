import * as z from 'zod';
import { SourcePush } from './source-push.ts';

/** The stages of a run, in order. */
export const Stage = {
  Source: 'source',
  Build: 'build',
  Staging: 'staging',
  Canary: 'canary',
  Production: 'production',
} as const;
export type Stage = (typeof Stage)[keyof typeof Stage];
export const STAGES: readonly Stage[] = Object.values(Stage);
export const StageSchema = z.enum(['source', 'build', 'staging', 'canary', 'production']);

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

/** The fields every pipeline event's `detail` carries. */
export const baseDetail = {
  /** Schema version of this detail-type's `detail`. */
  version: z.literal(1),
  /** Unique per event; handlers and the run fold are idempotent by it. */
  eventId: z.string().min(1),
  runId: z.string().min(1),
  pipeline: z.string().min(1),
  at: IsoDateTime,
  /** Which attempt of the run produced the event; events of an older attempt are ignored. */
  attempt: z.number().int().min(1).default(1),
  source: SourcePush,
};

export const TestCounts = z.object({
  total: z.number().int().min(0),
  passed: z.number().int().min(0),
  failed: z.number().int().min(0),
  skipped: z.number().int().min(0),
});
export type TestCounts = z.infer<typeof TestCounts>;

/** The verdict of the canary judge, one entry per metric. */
export const MetricVerdict = z.object({
  metric: z.string(),
  result: z.enum(['pass', 'fail', 'nodata']),
  reason: z.string(),
  value: z.number().optional(),
  baseline: z.number().optional(),
  threshold: z.number().optional(),
  pValue: z.number().optional(),
});
export const CanaryVerdict = z.object({
  result: z.enum(['healthy', 'unhealthy', 'inconclusive']),
  reason: z.string(),
  metrics: z.array(MetricVerdict),
  alarms: z.array(z.object({ name: z.string(), state: z.string() })).default([]),
  requests: z.number().int().min(0).optional(),
  judgedAt: IsoDateTime,
});
export type CanaryVerdict = z.infer<typeof CanaryVerdict>;
export type MetricVerdict = z.infer<typeof MetricVerdict>;
