import * as z from '../../events/zod-mini.ts';

// The settings of the deployment functions, beside LambdaEnv. No SDK import here: a function's role
// grants the SDK calls its import graph makes (the template check), so reading settings must not
// pull the deployer's calls into judge-canary.

/**
 * The environment the deployment functions read at cold start, beside `LambdaEnv` (set by
 * serverless.yml). Parsed once with zod so a misconfigured stack fails at once, saying what.
 */
export const DeployEnv = z.object({
  /** Server targets whose build reports its artifacts as a bare key: the bucket they are in. */
  PUSHLINE_ARTIFACTS_BUCKET: z.optional(z.string().check(z.minLength(3))),
  /** The lifecycle-hook function, added to the AppSpec of targets with smoke checks. */
  PUSHLINE_LIFECYCLE_HOOK_ARN: z.optional(z.string().check(z.startsWith('arn:'))),
});
export type DeployEnv = z.output<typeof DeployEnv>;

/** What judge-canary needs to schedule its own checks. */
export const SchedulerEnv = z.object({
  /** judge-canary's own ARN: the target of its one-time schedules. */
  PUSHLINE_JUDGE_CANARY_ARN: z.string().check(z.startsWith('arn:')),
  /** The role EventBridge Scheduler assumes to invoke judge-canary. */
  PUSHLINE_SCHEDULER_ROLE_ARN: z.string().check(z.startsWith('arn:')),
  PUSHLINE_SCHEDULE_GROUP: z.optional(z.string().check(z.minLength(1))),
  PUSHLINE_SCHEDULER_DLQ_ARN: z.optional(z.string().check(z.startsWith('arn:'))),
});
export type SchedulerEnv = z.output<typeof SchedulerEnv>;

export { readEnv } from './lambda/read-env.ts';
