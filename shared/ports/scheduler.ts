import type { CanaryCheckTask } from '../../events/scheduled-tasks.ts';

export type { CanaryCheckTask };

/**
 * A task to run later. Plain data (never a closure) so that AWS can carry it as the input of an
 * EventBridge Scheduler one-time schedule, and the local scheduler can rebuild it after a restart.
 */
export type ScheduledTask = CanaryCheckTask;

export interface ScheduleRequest {
  /** Idempotency key: scheduling a key that is already scheduled (or has run) does nothing. */
  key: string;
  at: Date;
  task: ScheduledTask;
}

/**
 * Runs a task at (or soon after) a time. Local mode: in-process timers (`TimerScheduler`), re-armed
 * at start-up from the store (`resumeCanaries`). AWS mode: EventBridge Scheduler one-time
 * schedules that invoke the task's function with the task as input.
 *
 * Contract: `schedule` is idempotent by `key`; a time in the past runs the task as soon as it can.
 * Delivery is at-least-once, so a task must tolerate running twice (the canary check re-reads the
 * run and appends through `recordEvents`). Throws `TransientError` when the service is unreachable.
 */
export interface Scheduler {
  schedule(request: ScheduleRequest): Promise<void>;
}
