import * as z from './zod-mini.ts';

/**
 * One check of a canary, as a scheduled task: sample its metrics and judge. Plain data (never a
 * closure) so that AWS can carry it as the input of an EventBridge Scheduler one-time schedule
 * (judge-canary parses it at its edge with this schema), and local mode's timers can hold it.
 * `check` counts from 1 (0: an alarm that fired, judged at once); the check that falls at or after
 * the end of the bake time is the last. `retry` counts re-tries of the same check after the
 * metrics could not be read.
 */
export const CanaryCheckTask = z.object({
  kind: z.literal('canary-check'),
  runId: z.string().check(z.minLength(1)),
  attempt: z.int().check(z.minimum(1)),
  deploymentId: z.string().check(z.minLength(1)),
  check: z.int().check(z.minimum(0)),
  retry: z.optional(z.int().check(z.minimum(1))),
});
export type CanaryCheckTask = z.output<typeof CanaryCheckTask>;
